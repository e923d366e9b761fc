"""Chinese names of enterprises (行政区划+字号+行业+组织形式) and people; addresses, phones."""

from __future__ import annotations

import random

from jointsup.ingest.generate.reference import County, Regions

# Surnames repeated roughly by frequency in Sichuan and Chongqing (冉, 向, 谭 are locally common).
SURNAMES = ("王王王王李李李李张张张刘刘刘陈陈陈杨杨杨黄黄赵赵吴吴周周徐孙马朱胡郭何何高林"
            "罗罗郑梁谢谢宋唐唐许韩冯邓邓曹彭彭曾曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任任沈"
            "姚卢钟谭谭陆范廖廖贾夏付方邹熊熊秦邱江尹雷侯龙龙陶贺毛向向冉冉文严汤牟")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕飞建国志红梅"
         "兰林丹辉鹏婷雪琴斌宇浩凯健俊帆帅旭宁欣悦佳怡晨阳欢琳莉云莹颖倩蓉川渝兵波"
         "春秋冬成龙海涵瑶雯晓东亮鑫淑珍荣利德昌福贵茂松柏")
TRADE_HEADS = ("蜀川锦蓉渝巴天府华兴盛鑫恒泰宏瑞祥福顺和嘉佳美悦诚信德康安宜乐丰源汇融聚宝"
               "金银丽雅新博优尚品味香鲜绿青山云峰达通凯越腾飞鹏豪睿卓辰星阳明春竹梅兰"
               "桃橙麻辣百千万众合正大富")
TRADE_TAILS = ("香源兴盛和顺祥瑞丰达泰华鑫诚信德康安乐美悦佳嘉福宝汇聚融通达远航辉煌"
               "记坊轩阁苑居堂园林峰川江城味鲜品尚优易捷禾田谷粮道坤元亨")
ROAD_STEMS = ("人民", "建设", "解放", "中山", "新华", "光华", "红星", "和平", "胜利", "滨江",
              "团结", "幸福", "长顺", "玉林", "万年", "学府", "文化", "工业", "科华", "育才",
              "东风", "五一", "青年", "民主", "府河", "石油", "永丰", "华兴", "桂溪", "锦绣",
              "金科", "花园", "迎宾", "南湖", "北辰", "星光", "银河", "翠柏", "梧桐", "枫林",
              "丽都", "春熙", "书院", "盐市", "驷马", "白果", "新民", "临江", "观澜", "大石",
              "蓉华", "紫荆", "芳草", "黄桷", "杨柳", "凤凰", "文星", "金鱼", "桃源", "荷花",
              "友谊", "新村", "商业")
ROAD_SUFFIXES = ("路", "路", "路", "街", "街", "大道", "巷", "东路", "西路", "南路", "北路")
LEGAL_FORMS = ("有限公司",) * 14 + ("有限责任公司",) * 5 + ("股份有限公司",)
OWNER_FORMS = ("老{s}", "{s}记", "小{s}", "{s}姐", "{s}哥", "{s}嬢嬢", "{s}家", "{s}氏")
_CN = "零一二三四五六七八九十"
AREA_CODES = {"5101": "028", "5103": "0813", "5104": "0812", "5105": "0830", "5106": "0838",
              "5107": "0816", "5108": "0839", "5109": "0825", "5110": "0832", "5111": "0833",
              "5113": "0817", "5114": "028", "5115": "0831", "5116": "0826", "5117": "0818",
              "5118": "0835", "5119": "0827", "5120": "028", "5132": "0837", "5133": "0836",
              "5134": "0834"}
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176",
                   "177", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
                   "191", "193", "195", "198", "199")


def person_name(rng: random.Random) -> str:
    """A surname and one or two given characters."""
    given = rng.choice(GIVEN) if rng.random() < 0.3 else rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def trade_name(rng: random.Random) -> str:
    """A two-character 字号 such as 蜀香 or 锦瑞 (the two characters differ)."""
    head = rng.choice(TRADE_HEADS)
    tail = rng.choice(TRADE_TAILS)
    while tail == head:
        tail = rng.choice(TRADE_TAILS)
    return head + tail


def city_short(county: County) -> str:
    """成都 for a Chengdu county, 重庆 for Chongqing, 凉山 for 凉山彝族自治州."""
    name = county.city_name
    if name.endswith("自治州"):
        return name[:2]
    return name[:-1] if name.endswith("市") else name


def company_name(rng: random.Random, county: County, trade: str, word: str) -> str:
    """Region prefix + 字号 + industry word + legal form, in the shapes registries accept."""
    form = rng.choice(LEGAL_FORMS)
    roll = rng.random()
    if roll < 0.45:
        return f"{city_short(county)}{trade}{word}{form}"
    if roll < 0.60:
        province = "四川" if county.in_sichuan else "重庆"
        return f"{province}{trade}{word}{form}"
    if roll < 0.70:
        return f"{trade}（{city_short(county)}）{word}{form}"
    # A district registers under its city's name (成都市锦江区…); counties and county-level
    # cities under their own (金堂县…, 都江堰市…).
    return f"{county_prefix(county)}{trade}{word}{form}"


def county_prefix(county: County) -> str:
    """成都市锦江区, 重庆市渝中区, 金堂县, 都江堰市."""
    return county.city_name + county.name if county.name.endswith("区") else county.name


def owner_trade(rng: random.Random, surname: str) -> str:
    """The 字号 of a family shop: 老王, 李记, 张嬢嬢."""
    return rng.choice(OWNER_FORMS).format(s=surname)


def individual_name(rng: random.Random, county: County, trade: str, shop: str) -> str:
    """An individual business (个体工商户): district + 字号 + shop word, sometimes with the city."""
    prefix = county_prefix(county) if rng.random() < 0.3 else county.name
    return f"{prefix}{trade}{shop}"


def cooperative_name(county: County, trade: str, product: str, animals: bool) -> str:
    """A farmers' cooperative (农民专业合作社) named after its county and produce."""
    return f"{county.name}{trade}{product}{'养殖' if animals else '种植'}专业合作社"


def branch_name(parent: str, county: County, ordinal: int) -> str:
    """Parent name + district + 分公司; a second branch in one district becomes 第二分公司."""
    if ordinal <= 1:
        return f"{parent}{county.short}分公司"
    return f"{parent}{county.short}第{_CN[ordinal] if ordinal <= 10 else ordinal}分公司"


class Addresses:
    """Street addresses with real district and township names and plausible roads and numbers."""

    def __init__(self, regions: Regions) -> None:
        """Drop road stems that are region names, so a road never reads as a place mention."""
        places = {c.name for c in regions.counties} | {c.short for c in regions.counties}
        places |= {c.short for c in regions.cities}
        self._stems = tuple(s for s in ROAD_STEMS if not any(s in p or p in s for p in places))
        # Townships (镇/乡) for rural addresses and urban sub-districts (街道), per county.
        self._towns = {c.code: [s for s in c.streets if not s.endswith("街道")]
                       for c in regions.counties}
        self._subdistricts = {c.code: [s for s in c.streets if s.endswith("街道")]
                              for c in regions.counties}

    def road(self, rng: random.Random) -> str:
        """A road name such as 玉林北路 or 人民南路三段."""
        suffix = rng.choice(ROAD_SUFFIXES)
        road = rng.choice(self._stems) + suffix
        if suffix.endswith("路") and rng.random() < 0.15:
            road += _CN[rng.randint(1, 4)] + "段"
        return road

    def address(self, rng: random.Random, county: County, rural: bool) -> str:
        """A full address; rural ones use a township (镇/乡), a village and a group number."""
        prefix = county.city_name + county.name
        if county.in_sichuan and rng.random() < 0.1:
            prefix = "四川省" + prefix
        towns = self._towns[county.code]
        if rural and towns:
            town = rng.choice(towns)
            village = rng.choice(TRADE_HEADS) + rng.choice("湾坝坪沟桥林")
            return f"{prefix}{town}{village}村{rng.randint(1, 12)}组{rng.randint(1, 199)}号"
        streets = self._subdistricts[county.code]
        head = rng.choice(streets) if streets and rng.random() < 0.5 else ""
        number = f"{rng.randint(1, 999)}号"
        roll = rng.random()
        if roll < 0.25:
            extra = f"附{rng.randint(1, 60)}号"
        elif roll < 0.55:
            extra = (f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元"
                     f"{rng.randint(1, 33)}楼{rng.randint(1, 12)}号")
        elif roll < 0.75:
            extra = f"{rng.randint(1, 40)}层{rng.randint(1, 40):02d}号"
        elif roll < 0.9:
            extra = f"{rng.randint(1, 3)}楼{rng.randint(1, 30)}号商铺"
        else:
            extra = f"{rng.randint(101, 3299)}室"
        return f"{prefix}{head}{self.road(rng)}{number}{extra}"


def phone(rng: random.Random, county: County, mobile_share: float) -> str:
    """A landline with the city's area code (028/023 take 8 digits) or an 11-digit mobile."""
    if rng.random() < mobile_share:
        return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    area = "023" if not county.in_sichuan else AREA_CODES.get(county.city_code, "028")
    if area in ("028", "023"):
        return f"{area}-{rng.choice('68')}{rng.randrange(10**7):07d}"
    return f"{area}-{rng.randint(2, 8)}{rng.randrange(10**6):06d}"
