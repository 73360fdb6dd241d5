"""The demo's person-house registry: the demo grid worker's grid (石冲社区第1网格) with two
compounds and a village lane, their houses and residents — owners and families, tenants in rented
flats (one of them crowded), people who moved out, and the tags that ask for care visits, some of
them overdue — all made through the registry's own services, as an import would.

Names come from the demo's name generator; ID numbers are made valid (GB 11643) for real
regions and invented birth dates; phones are in the 13800000000 range. None is a real person's.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from stdnum.cn import ric, uscc

from wangge.core import clock
from wangge.demo.cases import GRID
from wangge.demo.names import person_name
from wangge.org.models import OrgUnit
from wangge.people.models import HouseUse, Person, Relation, Residence, TagKind
from wangge.people.services import (
    HouseInput,
    OrganisationInput,
    PersonInput,
    give_tag,
    move_in,
    move_out,
    record_visit,
    register_person,
    save_building,
    save_compound,
    save_house,
    save_household,
    save_organisation,
)

# Where the residents' household registrations are: mostly 蓬江区 and the rest of 江门, then the
# provinces that send most workers to the Pearl River Delta.
REGIONS = (
    ("440703", 50),  # 蓬江区
    ("440705", 8),  # 新会区
    ("440784", 6),  # 鹤山市
    ("430102", 8),  # 长沙市芙蓉区
    ("450102", 8),  # 南宁市兴宁区
    ("360102", 6),  # 南昌市东湖区
    ("510104", 6),  # 成都市锦江区
    ("441502", 8),  # 汕尾市城区
)
COMPOUNDS = (
    ("石冲花园", "石冲路 8 号", "江门市石冲物业管理有限公司", ("1栋", "2栋", "3栋"), 6),
    ("怡景苑", "石冲路 26 号", "怡景物业", ("A座", "B座"), 8),
)
LANE = ("石冲村二巷", 6)  # village houses standing alone, two floors each, let by the room
# (name, kind, credit code without its check character, address, employees, key place)
ORGANISATIONS = (
    ("石冲便民超市", "self_employed", "92440703MA4W1A2B3", "石冲路 10 号", 4, True),
    ("小蜜蜂幼儿园", "school", "52440703MJL123456", "石冲路 30 号", 26, True),
    ("江门市石冲物业管理有限公司", "enterprise", "91440703MA51ABCD2", "石冲路 8 号", 38, False),
    ("石冲老友记茶楼", "self_employed", "92440703MA4X7Q8R9", "石冲村二巷 8 号", 12, True),
)


def load_demo_registry() -> int:
    """Fill the demo grid's registry unless the registry holds anybody; returns persons made."""
    if Person.objects.exists():
        return 0
    grid = OrgUnit.objects.filter(code=GRID, is_active=True).first()
    if grid is None:
        return 0
    rng = random.Random("wangge-demo:registry")
    today = clock.today()
    made = _Residents(grid, rng, today)
    for name, address, manager, blocks, floors in COMPOUNDS:
        compound = save_compound(None, grid, name=name, address=address, property_manager=manager)
        for block in blocks:
            building = save_building(
                None,
                grid,
                name=block,
                compound=compound,
                address=f"{address} {block}",
                floors=floors,
            )
            for floor in range(1, floors + 1):
                for door in (1, 2):
                    number = f"{floor}{door:02d}"
                    rented = rng.random() < 0.25
                    house = save_house(
                        None,
                        building,
                        HouseInput(
                            number=number,
                            floor=floor,
                            address=f"{address} {block} {number} 房",
                            area_m2=rng.choice(("68.5", "86.2", "98.0", "112.6", "126.8")),
                            use=HouseUse.RENTED if rented else HouseUse.OWNER_OCCUPIED,
                            rooms=rng.choice((2, 3, 3, 4)) if rented else None,
                        ),
                    )
                    made.fill(house, rented=rented)
    lane, houses = LANE
    for number in range(1, houses + 1):
        building = save_building(
            None, grid, name=f"{lane} {number} 号", address=f"{lane} {number} 号", floors=2
        )
        house = save_house(
            None,
            building,
            HouseInput(
                number="整栋",
                floor=1,
                address=f"{lane} {number} 号",
                area_m2="160.0",
                use=HouseUse.RENTED if number <= 3 else HouseUse.OWNER_OCCUPIED,
                rooms=4 if number <= 3 else None,
            ),
        )
        made.fill(house, rented=number <= 3, crowded=number == 1)
    made.care()
    for name, kind, body, address, employees, key_place in ORGANISATIONS:
        save_organisation(
            None,
            grid,
            OrganisationInput(
                name=name,
                kind=kind,
                credit_code=body + uscc.calc_check_digit(body),
                address=address,
                contact_phone=f"0750-3{rng.randrange(0, 10**6):06d}",
                employees=employees,
                is_key_place=key_place,
            ),
        )
    return made.count


class _Residents:
    def __init__(self, grid: OrgUnit, rng: random.Random, today: date) -> None:
        self.grid, self.rng, self.today = grid, rng, today
        self.count = 0
        self.elderly: list[Person] = []

    def person(self, *, born: date, sex: str, region: str | None = None) -> Person:
        self.count += 1
        region = (
            region
            or self.rng.choices(
                [code for code, _weight in REGIONS], [weight for _code, weight in REGIONS]
            )[0]
        )
        serial = self.rng.randrange(0, 499) * 2 + (1 if sex == "male" else 0)
        body = f"{region}{born:%Y%m%d}{serial:03d}"
        person, _created = register_person(
            None,
            self.grid,
            PersonInput(
                name=person_name(f"registry-{self.count}"),
                document_number=body + ric.calc_check_digit(body + "0"),
                phone=f"138{self.rng.randrange(0, 10**8):08d}",
                registered_region=region,
            ),
            update_existing=True,
        )
        return person

    def born(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randrange(low * 365, high * 365))

    def fill(self, house, *, rented: bool, crowded: bool = False) -> None:
        since = self.today - timedelta(days=self.rng.randrange(60, 3000))
        if rented:
            tenants = 10 if crowded else self.rng.choice((1, 2, 3))
            for _n in range(tenants):
                tenant = self.person(
                    born=self.born(20, 45), sex=self.rng.choice(("male", "female"))
                )
                move_in(None, tenant, house, relation=Relation.TENANT, moved_in=since)
            if self.rng.random() < 0.5:  # the tenant before them, moved out
                former = self.person(born=self.born(22, 40), sex="male")
                earlier = since - timedelta(days=self.rng.randrange(200, 700))
                residence = move_in(None, former, house, relation=Relation.TENANT, moved_in=earlier)
                move_out(None, residence, moved_out=since - timedelta(days=3), reason="合同到期")
            return
        if self.rng.random() < 0.12:  # an elderly person living alone
            alone = self.person(born=self.born(72, 90), sex=self.rng.choice(("male", "female")))
            move_in(None, alone, house, relation=Relation.OWNER, moved_in=since)
            self.elderly.append(alone)
            return
        owner = self.person(
            born=self.born(35, 60), sex=self.rng.choice(("male", "female")), region="440703"
        )
        move_in(None, owner, house, relation=Relation.OWNER, moved_in=since)
        family = []
        for _n in range(self.rng.choice((0, 1, 2, 2, 3))):
            member = self.person(
                born=self.born(3, 70), sex=self.rng.choice(("male", "female")), region="440703"
            )
            move_in(None, member, house, relation=Relation.FAMILY, moved_in=since)
            family.append(member)
        save_household(None, house, head=owner, members=family)

    def care(self) -> None:
        """Tags and visits: half the elderly visited lately, the rest overdue."""
        kinds = {kind.code: kind for kind in TagKind.objects.all()}
        if "elderly_alone" not in kinds:
            return
        from wangge.core.models import User

        worker = User.objects.filter(username="gridworker").first()
        for number, person in enumerate(self.elderly):
            give_tag(None, person, kinds["elderly_alone"], since=self.today - timedelta(days=400))
            if worker is not None and number % 2 == 0:
                record_visit(
                    worker,
                    person,
                    outcome="well",
                    found="身体状况良好，家中整洁",
                    visited_at=clock.now() - timedelta(days=self.rng.randrange(1, 6)),
                )
        residents = list(
            Person.objects.filter(
                pk__in=Residence.objects.filter(grid=self.grid, moved_out__isnull=True).values(
                    "person"
                )
            ).order_by("pk")[:40]
        )
        for code, every in (("subsistence", 9), ("disabled", 13), ("veteran", 7)):
            if code in kinds:
                for person in residents[every :: every * 2][:2]:
                    give_tag(None, person, kinds[code], since=self.today - timedelta(days=200))
        if "community_correction" in kinds and residents:
            give_tag(
                None,
                residents[-1],
                kinds["community_correction"],
                since=self.today - timedelta(days=90),
                note="矫正期至明年六月",
            )
