"""Plausible Chinese names for the demo's people, the same for the same account every time.

Surnames lean towards those common in Jiangmen and the Pearl River Delta (陈, 李, 黄, 梁, 区,
司徒 …); given names are one or two characters. A name is drawn from a generator seeded with
the account name, so it does not depend on how many other people were made before.
"""

from __future__ import annotations

import random

# Single characters are spelled as one string each; compound surnames are listed apart.
SURNAMES = (
    *"陈李黄梁张林吴谭何余区关甄伍冯罗麦莫邓叶周钟杨刘郑胡袁温容赵许朱曾苏卢蔡潘彭谢郭",
    "司徒",
    "欧阳",
)
GIVEN_FIRST = tuple("伟志文建国家嘉俊子永锦晓丽秀美惠淑婉金振海宇思雅卓燕玉少展绮")
GIVEN_SECOND = tuple("明华强平军勇辉杰豪斌芳敏静婷玲欣莹仪琳娟霞兰锋荣彬聪茵贤康恒")


def person_name(key: str) -> str:
    """A full name for the account `key`: surname and a given name of one or two characters."""
    rng = random.Random(f"wangge-demo:name:{key}")
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.25:
        return surname + rng.choice(GIVEN_SECOND)
    return surname + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)
