"""The demo's two-way claiming (双向认领) in 石冲社区: four member units (a school, a clinic, the
property company, a bank branch) with their contacts and resources, residents' and staff's
needs, a project with micro-project fund spending, two agreements (one fulfilled with a photo,
one under way with a deliverable overdue), volunteers with hours, small wishes and a post — all
through the claiming services, as the community's staff and the system would.

The school's contact logs in as `memberunit` (the demo password): the account is made through
`wangge.org.services.create_account` and linked to the contact, so it acts for the school only.
Loading twice creates nothing the second time.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw
from stdnum.cn import uscc

from wangge.claims import services
from wangge.claims.models import MemberUnit
from wangge.core import clock
from wangge.core.models import User
from wangge.org.models import OrgUnit
from wangge.org.services import create_account

SHICHONG = "440703006107"
STAFF = "staff"
CONTACT_ACCOUNT = "memberunit"

# (name, kind, credit code without its check character, address)
MEMBER_UNITS = (
    ("石冲小学", "school", "12440703MB2C11111", "石冲路 50 号"),
    ("石冲社区卫生服务站", "hospital", "12440703MB2C22222", "石冲路 18 号"),
    ("石冲物业服务有限公司", "property_company", "91440703MA5C33333", "石冲路 8 号"),
    ("江门农商银行石冲支行", "bank", "91440703MA5C44444", "石冲路 2 号"),
)
# (member unit's name, contact, role, phone)
CONTACTS = (
    ("石冲小学", "梁志明", "德育处主任", "13800001001"),
    ("石冲社区卫生服务站", "何丽萍", "站长", "13800001002"),
    ("石冲物业服务有限公司", "陈国强", "项目经理", "13800001003"),
    ("江门农商银行石冲支行", "黄晓燕", "行长助理", "13800001004"),
)
# (member unit, kind, title, quantity, unit, place, available days from today or None)
RESOURCES = (
    ("石冲小学", "venue", "学校礼堂（周末开放）", 300, "人", "石冲小学礼堂", 180),
    ("石冲小学", "venue", "学校操场", 500, "人", "石冲小学操场", 90),
    ("石冲社区卫生服务站", "volunteers", "医护志愿者义诊", 8, "人", "石冲社区卫生服务站", 365),
    ("石冲物业服务有限公司", "repair", "水电维修小分队", 20, "次", "石冲花园", None),
    ("江门农商银行石冲支行", "funding", "社区公益资金", 20000, "元", "", 365),
    ("江门农商银行石冲支行", "other", "防诈骗金融知识讲座", 4, "场", "江门农商银行石冲支行", 180),
)


def _photo(text: str) -> bytes:
    image = Image.new("RGB", (640, 480), (214, 234, 248))
    ImageDraw.Draw(image).rectangle((40, 40, 600, 440), outline=(192, 38, 45), width=8)
    ImageDraw.Draw(image).text((80, 220), text, fill=(31, 41, 55))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=80)
    return output.getvalue()


def _code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


def load_demo_claims() -> int:
    """Fill 石冲社区's claiming unless it has member units already; returns rows made."""
    community = OrgUnit.objects.filter(code=SHICHONG, is_active=True).first()
    staff = User.objects.filter(username=STAFF).first()
    if community is None or staff is None:
        return 0
    if MemberUnit.objects.filter(communities=community).exists():
        return 0
    from wangge.demo.loader import DEMO_PASSWORD  # the loader imports this module

    today = timezone.localtime(clock.now()).date()
    made = 0
    units: dict[str, MemberUnit] = {}
    for name, kind, code, address in MEMBER_UNITS:
        units[name] = services.save_member_unit(
            None,
            services.MemberUnitInput(
                name=name,
                kind=kind,
                communities=[community],
                credit_code=_code(code),
                address=address,
            ),
        )
        made += 1
    account = User.objects.filter(username=CONTACT_ACCOUNT).first() or create_account(
        None, username=CONTACT_ACCOUNT, full_name="梁志明（石冲小学）", password=DEMO_PASSWORD
    )
    for unit_name, name, role, phone in CONTACTS:
        services.save_contact(
            None,
            units[unit_name],
            services.ContactInput(
                name=name, role=role, phone=phone, user=account if unit_name == "石冲小学" else None
            ),
        )
        made += 1
    for unit_name, kind, title, quantity, unit, place, days in RESOURCES:
        services.save_resource(
            None,
            units[unit_name],
            services.ResourceInput(
                kind=kind,
                title=title,
                community=community,
                quantity=quantity,
                unit=unit,
                place=place,
                available_from=today - timedelta(days=30),
                available_until=today + timedelta(days=days) if days else None,
            ),
        )
        made += 1
    made += _needs_and_agreements(staff, community, units, today)
    made += _volunteers(staff, community, today)
    return made


def _needs_and_agreements(
    staff: User, community: OrgUnit, units: dict[str, MemberUnit], today: date
) -> int:
    def need(title: str, kind: str, **given: object) -> object:
        return services.raise_need(
            staff, community, services.NeedInput(kind=kind, title=title, **given)
        )

    need(
        "长者饭堂周末活动场地",
        "venue",
        quantity=60,
        unit="人",
        place="石冲小学",
        urgency="high",
        wanted_by=today + timedelta(days=14),
        description="长者饭堂周末想办生日会，需要能坐 60 人的场地。",
    )
    services.raise_need_as_resident(
        community,
        services.NeedInput(
            kind="venue",
            title="儿童暑期托管场地",
            description="双职工家庭的孩子暑假白天没人照看，希望有地方做作业。",
            quantity=40,
            unit="人",
            wanted_by=today + timedelta(days=30),
            contact_name="林女士",
            contact_phone="13800002001",
        ),
    )
    repair = need(
        "石冲花园老旧楼道扶手检修",
        "repair",
        quantity=12,
        unit="次",
        place="石冲花园",
        urgency="urgent",
        wanted_by=today + timedelta(days=20),
    )
    clinic = need(
        "独居长者上门义诊",
        "volunteers",
        quantity=6,
        unit="人",
        wanted_by=today - timedelta(days=5),
    )
    project = services.save_project(
        staff,
        community,
        services.ProjectInput(
            title="石冲花园楼道照明改造（微实事）",
            description="更换 3 栋楼道的声控灯，夜间出行更安全。",
            budget=Decimal("30000"),
            starts_on=today,
            ends_on=today + timedelta(days=60),
        ),
    )
    services.allocate_fund(staff, community, today.year, Decimal("50000"), "街道下达微实事基金")
    services.spend_fund(staff, project, Decimal("8000"), today, "首批灯具采购")

    done = services.claim_need(
        staff,
        clinic,
        units["石冲社区卫生服务站"],
        services.ClaimInput(
            terms="派出医护人员为 6 位独居长者上门测血压、血糖并建立健康档案。",
            starts_on=today - timedelta(days=20),
            ends_on=today - timedelta(days=5),
            deliverables=[("上门义诊 6 户", today - timedelta(days=6))],
        ),
    )
    evidence = services.store_evidence(staff, _photo("door-to-door clinic"), "义诊现场.jpg")
    services.complete_agreement(
        staff, done, "已为 6 位独居长者上门义诊，建立健康档案。", [evidence]
    )
    live = services.claim_need(
        staff,
        repair,
        units["石冲物业服务有限公司"],
        services.ClaimInput(
            terms="检修 1–3 栋楼道扶手，松动的加固，锈蚀的更换。",
            ends_on=today + timedelta(days=20),
            deliverables=[
                ("1 栋扶手检修", today - timedelta(days=2)),
                ("2、3 栋扶手检修", today + timedelta(days=15)),
            ],
        ),
    )
    services.record_progress(staff, live, "已完成现场查勘，列出 12 处需加固的位置。")
    return 8


def _volunteers(staff: User, community: OrgUnit, today: date) -> int:
    people = (
        ("周文华", "13800003001", True, "理发、维修"),
        ("吴佩珊", "13800003002", False, "教辅、绘画"),
        ("郑建新", "13800003003", True, "摄影"),
    )
    made = []
    for name, phone, party, skills in people:
        made.append(
            services.register_volunteer(
                community,
                services.VolunteerInput(
                    name=name, phone=phone, is_party_member=party, skills=skills
                ),
            )
        )
    first = services.confirm_volunteer(staff, made[0])
    second = services.confirm_volunteer(staff, made[1])
    post = services.save_post(
        staff,
        community,
        services.PostInput(
            title="文明交通劝导岗", places=5, description="周末早高峰石冲路口劝导。"
        ),
    )
    services.sign_up_for_post(first, post)
    services.record_hours(
        staff, first, today - timedelta(days=3), Decimal("3"), "路口文明劝导", post
    )
    services.record_hours(staff, second, today - timedelta(days=2), Decimal("2"), "长者饭堂帮厨")
    services.record_own_hours(second, today - timedelta(days=1), Decimal("1.5"), "儿童作业辅导")
    wish = services.raise_wish(
        staff,
        community,
        services.WishInput(
            title="上门理发一次", wisher_name="陈阿婆", description="行动不便，想在家理发。"
        ),
    )
    services.claim_wish(first, wish)
    photo = services.store_evidence(None, _photo("haircut at home"), "理发.jpg")
    services.fulfil_wish(first, wish, "已上门为陈阿婆理发。", photo)
    services.raise_wish(
        staff,
        community,
        services.WishInput(
            title="一盏护眼台灯", wisher_name="小明", description="三年级学生晚上写作业。"
        ),
    )
    return 3 + 1 + 3 + 2
