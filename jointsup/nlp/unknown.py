"""Businesses not in the registry (未登记/无照经营): names ending in a legal form or shop word,
and places people bought something (在…买的), kept as unresolved mentions."""

from __future__ import annotations

import re

from jointsup.nlp.names import LEGAL_FORMS, OUTLET, STREET_OUTLET
from jointsup.nlp.result import EnterpriseLink
from jointsup.nlp.state import State
from jointsup.nlp.wordscan import trie_pattern

SUFFIXES = tuple(sorted({*LEGAL_FORMS, "店", "超市", "药房", "药店", "诊所", "中心", "经营部",
                         "厂", "合作社", "门市部", "餐馆", "饭店", "酒楼", "火锅店", "门诊部",
                         "美容院", "工作室", "商行", "批发部", "加油站", "健身房", "培训学校",
                         "烧烤", "摊", "摊贩", "托管班", "培训班", "补习班", "面馆", "茶社", "茶楼",
                         "小吃"},
                        key=len, reverse=True))
# The longest suffix at a position (a trie of alternatives: one branch per first character).
_SUFFIX = re.compile(trie_pattern(SUFFIXES))
# Characters that end a name when walking left from its suffix: particles, verbs, pronouns.
_STOP = set("在的了去到从和与跟是这那个家买向对给被把说有一也就都还又"
            "我你他她它们里上下边门口旁附近本该此归所卖进叫")
# What stands before a shop word without naming a shop (购物店, 老年活动中心, 燃气公司).
_GENERIC_HEADS = frozenset({"购物", "体验", "美容", "燃气", "活动", "老年活动", "服务", "维修",
                            "便利", "专卖", "连锁", "实体", "线下", "网", "总", "分", "门",
                            "水果", "小吃", "快餐", "零食", "服装", "手机", "电器", "药", "商",
                            "月份"})
# Where a shop is, not its name: 菜市场刘记猪肉摊 names 刘记猪肉摊.
_PLACE_HEADS = ("菜市场", "农贸市场", "市场", "商场", "小区", "学校", "医院", "景区")
_NOT_AFTER = ("家", "商", "主", "员", "长", "名", "址", "里", "内")
# 闭店, 到店, 本店, 网店 … are not shop names.
_NOT_BEFORE_SHOP = set("闭开到进本该门分总网别关小")
_BOUGHT = re.compile(r"在(?P<name>[\u4e00-\u9fff]{2,10}?)(?:买|购买|购|吃|消费|办卡|充值)")
_GENERIC = frozenset({"网上", "网店", "家里", "楼下", "附近", "这里", "那里", "外面", "超市",
                      "商场", "市场", "菜市场", "路边", "小区", "店里", "医院", "学校", "景区",
                      "淘宝", "京东", "拼多多", "抖音", "微信", "朋友圈", "直播间"})
MAX_NAME = 14


def _left_edge(state: State, end: int) -> int:
    """Walk left from `end` over the characters a shop name is made of (not into a claim)."""
    text, start = state.norm.text, end
    while start > 0 and end - start < MAX_NAME and not state.mask[start - 1]:
        ch = text[start - 1]
        if not "\u4e00" <= ch <= "\u9fff" or ch in _STOP:
            break
        start -= 1
    return start


def find_unknown(state: State) -> None:
    """Unresolved business mentions in text no other component claimed."""
    text = state.norm.text
    for match in _SUFFIX.finditer(text):
        s, e = match.span()
        while (more := _SUFFIX.match(text, e)) is not None:  # 烧烤 + 店, 小吃 + 店
            e = more.end()
        if state.is_taken(s, e) or text.startswith(_NOT_AFTER, e) or (
                match.group() == "店" and s > 0 and text[s - 1] in _NOT_BEFORE_SHOP):
            continue
        start = _left_edge(state, s)
        if s - start < 2 or text[start:s] in _GENERIC_HEADS:
            continue
        head = next((p for p in _PLACE_HEADS if text.startswith(p, start)), "")
        if s - start - len(head) >= 2:
            start += len(head)
        outlet = OUTLET.match(text, e) or STREET_OUTLET.match(text, e)
        _mention(state, start, outlet.end() if outlet else e,
                 f"unregistered business: ends in {match.group()}")
    for match in _BOUGHT.finditer(text):
        s, e = match.span("name")
        if match["name"] in _GENERIC or state.is_taken(s, e):
            continue
        _mention(state, s, e, "unregistered business: 在…买/消费 context")


def _mention(state: State, start: int, end: int, why: str) -> None:
    a, b, surface = state.span(start, end)
    state.result.enterprises.append(EnterpriseLink(None, surface, a, b, 0.0, why))
    state.take(start, end)
