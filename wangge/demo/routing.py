"""The demo's routing: a quarter of closed cases in the demo grid, written the way residents and
grid workers write, so that `wangge routing train` has a history to learn from; the demo then
trains the first model version from them (through the routing services, as a city would) and
suggests a category for the cases waiting to be accepted, which the dispatcher sees on the
dispatch console and on each case's page.

Automatic dispatch stays off (the city sets its confidence on /routing/).
"""

from __future__ import annotations

from dataclasses import dataclass

from wangge.routing import services as routing
from wangge.routing.models import ModelVersion


@dataclass(frozen=True)
class PastCase:
    category: str
    description: str
    address: str


# Nine categories a grid worker meets every week, nine reports each; some are near one another
# on purpose (garbage lying about vs rubble dumped; a stall on the pavement vs a shop's goods
# outside its door), so the model has to read more than one word.
_HISTORY: dict[str, tuple[tuple[str, str], ...]] = {
    "E0101": (  # 暴露垃圾
        ("路边垃圾桶满了，生活垃圾散落一地没人清理", "石冲路 20 号"),
        ("小区门口堆着几袋生活垃圾，招来很多苍蝇", "石冲花园北门"),
        ("公交站旁有人乱扔垃圾袋，味道很大", "石冲公交站"),
        ("菜市场后面垃圾堆了两天没有清运", "石冲市场后巷"),
        ("绿化带里有塑料袋和饭盒等垃圾", "建设三路 10 号"),
        ("巷子里垃圾满地，下雨后发臭", "石冲村二巷"),
        ("垃圾收集点外面堆满了垃圾，桶都盖不上", "石冲村委会旁"),
        ("早上发现路口有一堆生活垃圾，影响市容", "华园东路 3 号"),
        ("公园入口处垃圾没有及时清理，游客投诉", "石冲公园南门"),
    ),
    "E0104": (  # 违规倾倒
        ("有车辆夜里在空地上倾倒建筑垃圾", "石冲村后山路"),
        ("装修垃圾被倒在河堤边上，堆了一大片", "石冲河堤"),
        ("有人把废弃沙发床垫扔在路边空地", "建设三路 18 号"),
        ("泥头车偷倒渣土，路面全是泥", "华园东路北段"),
        ("工地的建筑废料倒在绿化带里", "石冲花园西侧"),
        ("空地上被倾倒了大量碎砖和水泥块", "石冲村三巷尽头"),
        ("发现有人在河边倾倒废油桶", "石冲河涌"),
        ("有货车往荒地里倒工业垃圾", "石冲工业区后门"),
        ("小区外墙边被倒了很多装修废料", "石冲花园 6 栋旁"),
    ),
    "C0104": (  # 路灯
        ("路灯晚上不亮，走路看不清", "建设三路 4 号"),
        ("小区外面一排路灯全坏了，晚上一片黑", "石冲花园东侧"),
        ("路灯一闪一闪的，好像接触不良", "石冲路 50 号"),
        ("灯杆歪斜，灯罩掉了一半", "华园东路 8 号"),
        ("巷口路灯坏了一个多星期了", "石冲村一巷"),
        ("路灯白天也亮着，浪费电", "石冲公园北门"),
        ("人行天桥下面的路灯不亮", "石冲天桥"),
        ("新装的路灯一直没有通电", "建设三路 22 号"),
        ("晚上路灯太暗，孩子放学回家不安全", "石冲小学门口"),
    ),
    "C0101": (  # 上水井盖
        ("人行道井盖破损，一踩就晃", "石冲路 32 号"),
        ("井盖不见了，留下一个大洞，很危险", "建设三路 9 号"),
        ("车开过去井盖哐哐响，松动了", "华园东路 12 号"),
        ("井盖下沉，比路面低了好几厘米", "石冲花园南门"),
        ("井盖裂开了，怕有人踩空掉下去", "石冲市场东门"),
        ("路口的自来水井盖被压坏了", "石冲路口"),
        ("井盖周边路面塌陷", "石冲村二巷口"),
        ("小区门口的井盖缺了一角", "石冲花园 2 栋"),
        ("井盖移位了，晚上骑车容易摔", "建设三路 15 号"),
    ),
    "C0103": (  # 雨水篦子
        ("雨水篦子被树叶堵住，一下雨路面就积水", "石冲路 45 号"),
        ("下水口堵了，下雨后水漫到人行道", "建设三路 7 号"),
        ("雨水箅子破了，自行车轮会卡进去", "华园东路 6 号"),
        ("暴雨后路口积水很深，排水口不通", "石冲路口"),
        ("雨水口被泥沙填满，需要清掏", "石冲市场北侧"),
        ("雨水篦子丢失，路边露出一个坑", "石冲村三巷"),
        ("每次下雨这里都积水，过不了人", "石冲小学门口"),
        ("排水沟盖板断了，很不安全", "石冲花园西门"),
        ("雨水篦子上压着垃圾，水排不下去", "石冲公交站"),
    ),
    "E0401": (  # 占道经营
        ("流动摊贩在人行道上摆摊卖水果", "石冲市场东门"),
        ("早餐摊占用人行道，行人只能走马路", "石冲路 26 号"),
        ("晚上路边烧烤摊占道，油烟很大", "华园东路夜市"),
        ("卖菜的摊贩把路口堵住了", "石冲村一巷口"),
        ("学校门口有小贩摆摊，影响学生进出", "石冲小学门口"),
        ("三轮车停在路边卖货，占了半条路", "建设三路 20 号"),
        ("周末路边摆满了地摊", "石冲公园南门"),
        ("摊贩在公交站台卖东西，乘客没地方站", "石冲公交站"),
        ("流动摊点在天桥下经营，堵住通道", "石冲天桥"),
    ),
    "E0403": (  # 店外经营
        ("商铺把货物摆到店门外，占用人行道", "石冲路 66 号"),
        ("汽修店在门口路边修车，满地油污", "华园东路 16 号"),
        ("饭店在店外摆桌椅营业", "石冲路 70 号"),
        ("五金店把货架摆出门外一米多", "建设三路 24 号"),
        ("水果店门口堆满纸箱和货物", "石冲市场西门"),
        ("理发店在门外摆椅子给客人剪头", "石冲村二巷 5 号"),
        ("便利店在门前搭棚卖饮料", "石冲花园商铺"),
        ("洗车店在店外人行道上洗车", "华园东路 20 号"),
        ("家具店把沙发摆在门外展示", "建设三路 28 号"),
    ),
    "E0201": (  # 违规张贴小广告
        ("电线杆上贴满了小广告", "石冲路 40 号"),
        ("楼道里到处是开锁、通下水道的小广告", "石冲花园 4 栋"),
        ("墙上被人喷涂了办证电话", "石冲村三巷"),
        ("公交站牌上贴着各种小广告", "石冲公交站"),
        ("小区门口的宣传栏被小广告覆盖", "石冲花园北门"),
        ("变电箱上贴满了贷款小广告", "建设三路 11 号"),
        ("有人在路灯杆上刷小广告", "华园东路 2 号"),
        ("楼梯扶手和墙面贴满了招租小广告", "石冲村一巷 8 号"),
        ("学校围墙上贴了很多培训班小广告", "石冲小学围墙"),
    ),
    "R0501": (  # 噪音扰民
        ("楼下酒吧半夜音乐声太大，睡不着", "石冲路 88 号"),
        ("工地晚上十一点还在施工，噪音扰民", "建设三路工地"),
        ("广场舞音响开得太大，晚上很吵", "石冲公园广场"),
        ("楼上装修一大早就开始电钻，周末也不停", "石冲花园 1 栋"),
        ("商铺门口用大喇叭招揽顾客，吵得头疼", "石冲市场东门"),
        ("KTV 凌晨还在唱歌，附近居民无法休息", "华园东路 30 号"),
        ("夜里货车装卸货物，噪音很大", "石冲工业区"),
        ("隔壁工厂机器声日夜不停", "石冲村后山路"),
        ("夜宵店客人喧哗到凌晨两三点", "石冲路 72 号"),
    ),
}


def past_cases() -> list[PastCase]:
    """The history in the order it is filed (categories interleaved, as reports arrive)."""
    rounds = max(len(reports) for reports in _HISTORY.values())
    return [
        PastCase(category, *reports[index])
        for index in range(rounds)
        for category, reports in _HISTORY.items()
        if index < len(reports)
    ]


def load_demo_routing() -> int:
    """Train and activate the first model from the demo's closed cases unless a model exists,
    then suggest categories for the cases waiting; returns 1 when a model was trained."""
    if ModelVersion.objects.exists():
        return 0
    examples = routing.training_set()
    if len(examples.texts) < routing.MIN_TRAINING_EXAMPLES:
        return 0
    routing.train_from_cases(None)
    routing.suggest_new_cases()
    return 1
