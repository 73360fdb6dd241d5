"""Ship the default category set: the urban-management parts (部件) and events (事件) classes and
the community requests (诉求), with deadlines that follow Guangdong 12345 practice.

Every leaf gets its own copy of its class's values (nothing is inherited at run time), then its
own overrides. Default departments stay empty: departments are data loaded after migrations, and
whoever loads them links the categories. Names are data, in Chinese, not translatable strings.
"""

from decimal import Decimal

from django.db import migrations

WH, WD, H = "working_hours", "working_days", "hours"

# Urban-management parts and events: accepted and dispatched within a working hour each.
URBAN = {"accept": (1, WH), "dispatch": (1, WH)}
# Requests reach a department through the hotline desk: two working hours each way.
REQUESTS = {"accept": (2, WH), "dispatch": (2, WH)}
# Emergencies count wall-clock hours, nights and holidays included.
EMERGENCY = {"accept": (Decimal("0.5"), H), "dispatch": (Decimal("0.5"), H), "handle": (4, H)}

YES_NO = [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}]


def attribute(code, datatype, description, *, required=False, order=1, values=None):
    return {
        "code": code,
        "datatype": datatype,
        "required": required,
        "description": description,
        "order": order,
        "values": values or [],
    }


# (code, name, kind, class defaults, [(code, name, handle, is_grid_entry, attributes)]);
# a leaf's handle of None keeps the class's. The grid-entry list (入格事项) is made of leaves:
# a top-level class is never pushed down as a whole.
CLASSES = [
    ("C01", "公用设施", "component", {**URBAN, "handle": (3, WD)}, [
        ("C0101", "上水井盖", (4, WH), False, []),
        ("C0102", "污水井盖", (4, WH), False, []),
        ("C0103", "雨水篦子", (1, WD), False, []),
        ("C0104", "路灯", (3, WD), False, [attribute("pole_number", "string", "灯杆编号")]),
        ("C0105", "消防栓", (1, WD), False, []),
        ("C0106", "电力设施", (2, WD), False, []),
    ]),
    ("C02", "交通设施", "component", {**URBAN, "handle": (3, WD)}, [
        ("C0201", "交通信号灯", (1, WD), False, []),
        ("C0202", "交通标志牌", None, False, []),
        ("C0203", "道路护栏", None, False, []),
        ("C0204", "公交站亭", (5, WD), False, []),
        ("C0205", "隔离墩", None, False, []),
    ]),
    ("C03", "市容环境设施", "component", {**URBAN, "handle": (3, WD)}, [
        ("C0301", "公共厕所", (1, WD), False, []),
        ("C0302", "垃圾箱", (2, WD), True, []),
        ("C0303", "垃圾中转站", None, False, []),
        ("C0304", "广告牌匾", (5, WD), False, []),
        ("C0305", "公共座椅", (5, WD), False, []),
    ]),
    ("C04", "园林绿化设施", "component", {**URBAN, "handle": (5, WD)}, [
        ("C0401", "古树名木", (2, WD), False, []),
        ("C0402", "行道树", (3, WD), False, []),
        ("C0403", "绿地", None, True, []),
        ("C0404", "花坛", None, False, []),
        ("C0405", "绿化护栏", None, False, []),
    ]),
    ("E01", "市容环境", "event", {**URBAN, "handle": (1, WD)}, [
        ("E0101", "暴露垃圾", None, True, []),
        ("E0102", "积存垃圾渣土", (2, WD), True, []),
        ("E0103", "道路不洁", None, False, []),
        ("E0104", "违规倾倒", (2, WD), False, []),
        ("E0105", "露天焚烧", (4, WH), False, []),
    ]),
    ("E02", "宣传广告", "event", {**URBAN, "handle": (2, WD)}, [
        ("E0201", "违规张贴小广告", (1, WD), True, [attribute("count", "number", "数量（张）")]),
        ("E0202", "非法户外广告", (5, WD), False, []),
        ("E0203", "违规悬挂横幅", (1, WD), True, []),
    ]),
    ("E03", "施工管理", "event", {**URBAN, "handle": (2, WD)}, [
        ("E0301", "施工扰民", (1, WD), False, [attribute("happened_at", "datetime", "发生时间")]),
        ("E0302", "施工占道", None, False, []),
        ("E0303", "道路遗撒", (1, WD), False, []),
        ("E0304", "工地扬尘", None, False, []),
    ]),
    ("E04", "街面秩序", "event", {**URBAN, "handle": (1, WD)}, [
        ("E0401", "占道经营", None, True,
         [attribute("at_night", "singlevaluelist", "是否夜间", values=YES_NO)]),
        ("E0402", "无照经营游商", None, True, []),
        ("E0403", "店外经营", None, True, []),
        ("E0404", "乱堆物料", (2, WD), True, []),
        ("E0405", "非机动车乱停放", None, True, []),
    ]),
    ("E05", "突发事件", "event", EMERGENCY, [
        ("E0501", "道路塌陷", None, False, []),
        ("E0502", "火灾隐患", None, False, []),
        ("E0503", "燃气泄漏", None, False,
         [attribute("people_trapped", "singlevaluelist", "是否有人员受困", required=True,
                    values=YES_NO)]),
        ("E0504", "管道破裂", None, False, []),
        ("E0505", "群体性事件", None, False,
         [attribute("head_count", "number", "估计人数")]),
    ]),
    ("R01", "矛盾纠纷", "request", {**REQUESTS, "handle": (15, WD)}, [
        ("R0101", "邻里纠纷", None, True, []),
        ("R0102", "物业纠纷", None, True, []),
        ("R0103", "婚姻家庭纠纷", None, True, []),
        ("R0104", "劳资纠纷", None, False, []),
        ("R0105", "土地山林纠纷", None, False, []),
    ]),
    ("R02", "民生服务", "request", {**REQUESTS, "handle": (10, WD)}, [
        ("R0201", "供水供电", (2, WD), False, []),
        ("R0202", "燃气供应", (2, WD), False, []),
        ("R0203", "社会救助", None, True, []),
        ("R0204", "养老服务", None, True, []),
        ("R0205", "医疗卫生", None, False, []),
        ("R0206", "教育入学", None, False, []),
    ]),
    ("R03", "咨询", "request", {**REQUESTS, "handle": (2, WD)}, [
        ("R0301", "政策咨询", None, False, []),
        ("R0302", "办事指南", None, False, []),
        ("R0303", "社保医保", None, False, []),
        ("R0304", "户籍证照", None, False, []),
    ]),
    ("R04", "求助", "request", {**REQUESTS, "handle": (10, WD)}, [
        ("R0401", "生活求助", None, True, []),
        ("R0402", "困难帮扶", None, True, []),
        ("R0403", "寻人寻物", None, False, []),
    ]),
    ("R05", "投诉", "request", {**REQUESTS, "handle": (15, WD)}, [
        ("R0501", "噪音扰民", None, False, []),
        ("R0502", "环境污染", None, False, []),
        ("R0503", "消费维权", None, False, []),
        ("R0504", "物业服务", None, True, []),
        ("R0505", "交通出行", None, False, []),
    ]),
    ("R06", "举报", "request", {**REQUESTS, "handle": (15, WD)}, [
        ("R0601", "违法建设", None, False, []),
        ("R0602", "消防安全隐患", None, True, []),
        ("R0603", "食品安全", None, False, []),
        ("R0604", "非法营运", None, False, []),
        ("R0605", "群租房", None, True, []),
    ]),
    ("R07", "建议", "request", {**REQUESTS, "handle": (10, WD)}, [
        ("R0701", "城市管理建议", None, False, []),
        ("R0702", "公共服务建议", None, False, []),
        ("R0703", "社区治理建议", None, False, []),
    ]),
]  # fmt: skip


def deadline_fields(deadlines):
    fields = {}
    for stage, (amount, unit) in deadlines.items():
        fields[f"{stage}_amount"] = Decimal(amount)
        fields[f"{stage}_unit"] = unit
    return fields


def add_default_categories(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for class_order, (code, name, kind, deadlines, leaves) in enumerate(CLASSES, start=1):
        parent, _ = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "order": class_order,
                **deadline_fields(deadlines),
            },
        )
        for leaf_order, (leaf_code, leaf_name, handle, is_grid_entry, attributes) in enumerate(
            leaves, start=1
        ):
            own = {**deadlines, "handle": handle} if handle else deadlines
            Category.objects.get_or_create(
                code=leaf_code,
                defaults={
                    "parent": parent,
                    "name": leaf_name,
                    "kind": kind,
                    "order": leaf_order,
                    "is_grid_entry": is_grid_entry,
                    "open311_attributes": attributes,
                    **deadline_fields(own),
                },
            )


def remove_default_categories(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    leaf_codes = [leaf[0] for entry in CLASSES for leaf in entry[4]]
    Category.objects.filter(code__in=leaf_codes).delete()
    Category.objects.filter(code__in=[entry[0] for entry in CLASSES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_categories")]
    operations = [migrations.RunPython(add_default_categories, remove_default_categories)]
