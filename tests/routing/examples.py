"""Small labelled request texts for routing tests: each class has its own words, mixed with
words every class shares, so a model must learn which words matter."""

from __future__ import annotations

import random

TOPICS: dict[str, list[str]] = {
    "C0104": ["路灯", "不亮", "灯杆", "晚上", "很黑", "灯泡", "闪烁", "照明"],
    "R0501": ["噪音", "扰民", "施工", "半夜", "吵闹", "广场舞", "音响", "睡不着"],
    "E0101": ["垃圾", "暴露", "堆放", "臭味", "苍蝇", "清运", "垃圾桶", "满溢"],
}
SHARED = ["小区", "门口", "附近", "居民", "反映", "希望", "尽快", "处理", "我们", "这里"]


def texts_of(label: str, count: int, seed: int = 0) -> list[str]:
    chooser = random.Random(f"{label}-{seed}")
    own = TOPICS[label]
    return [
        "，".join(chooser.sample(own, 3) + chooser.sample(SHARED, 3)) + f"（{i}号楼）"
        for i in range(count)
    ]


def labelled(count_per_class: int = 30, seed: int = 0) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    for label in TOPICS:
        texts += texts_of(label, count_per_class, seed)
        labels += [label] * count_per_class
    return texts, labels
