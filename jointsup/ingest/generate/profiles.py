"""Trade profiles (行业画像): GB/T 4754 classes, how businesses are named, what goes wrong."""

from __future__ import annotations

from dataclasses import dataclass

from jointsup.ingest.generate.reference import Industries

COMPANY, INDIVIDUAL, COOPERATIVE = "1", "2", "3"  # USCC position 2 under authority 9


@dataclass(frozen=True)
class Line:
    """One line of business: an industry class with the words its names and complaints use."""

    code: str
    words: tuple[str, ...]  # the industry part of a company name: 餐饮管理, 大药房
    shops: tuple[str, ...]  # the tail of an individual business name: 川菜馆 (may be empty)
    products: tuple[str, ...]  # what customers buy or complain about


@dataclass(frozen=True)
class Profile:
    """A trade: its lines, complaint category and mix of entity kinds."""

    key: str
    weight: float
    category: str  # complaint category (gold taxonomy) most complaints fall under
    kinds: tuple[float, float, float]  # weights of company, individual business, cooperative
    lines: tuple[Line, ...]

    @property
    def shop_words(self) -> tuple[str, ...]:
        """Every shop word of the trade."""
        return tuple(word for line in self.lines for word in line.shops)


def _p(key: str, weight: float, category: str, kinds: tuple[float, float, float],
       table: str) -> Profile:
    lines = []
    for row in table.strip().splitlines():
        code, words, shops, products = row.split()
        lines.append(Line(code, tuple(words.split("/")),
                          () if shops == "-" else tuple(shops.split("/")),
                          tuple(products.split("/"))))
    return Profile(key, weight, category, kinds, tuple(lines))


# Weights bias the population towards trades market supervision deals with daily. Each table
# row: class, company words, shop words ("-": none), products.
PROFILES: tuple[Profile, ...] = (
    _p("catering", 18, "食品", (40, 60, 0), """
6210 餐饮管理/餐饮/火锅/饮食 川菜馆/火锅店/中餐馆/家常菜馆/豆花饭店 火锅/毛血旺/回锅肉/烤鱼/水煮鱼
6220 餐饮管理/快餐/餐饮 快餐店/盒饭店/面馆 盖浇饭/快餐套餐/卤肉饭
6291 餐饮/小吃 小吃店/冒菜馆/串串香/抄手店/钵钵鸡 冒菜/串串/抄手/小面/酸辣粉/凉面
6231 茶业/茶馆/茶文化 茶馆/茶楼 盖碗茶/茶水/瓜子
6232 咖啡/餐饮管理 咖啡馆/咖啡店 咖啡/蛋糕/三明治
6233 酒吧/餐饮管理 酒吧/清吧 啤酒/洋酒/果盘
6239 饮品/餐饮管理 奶茶店/饮品店/冷饮店 奶茶/果汁/冰粉
6241 餐饮配送/团餐管理 - 团餐/工作餐
6242 外卖/餐饮 外卖店 盖浇饭/炒饭
6299 餐饮/烧烤 烧烤店/夜宵店 烧烤/小龙虾/烤串"""),
    _p("food_retail", 12, "食品", (35, 65, 0), """
5211 百货/商贸 百货店/商店 零食/饮料/糕点
5212 超市/商业连锁 超市/生活超市 牛奶/面包/酸奶/速冻水饺/鸡蛋/食用油
5213 便利店/商贸 便利店 饮料/方便面/面包/火腿肠
5219 商贸/百货 副食店/杂货店 零食/调料/饮料
5221 粮油/商贸 粮油店/米店 大米/菜籽油/面粉
5222 食品/烘焙 面包店/蛋糕店/糕点店 面包/蛋糕/月饼
5223 农产品/果业 水果店/蔬菜店 水果/蔬菜/车厘子
5224 食品/冷链 冷鲜肉店/生鲜店/卤菜店 猪肉/牛肉/卤菜/鸡蛋
5226 酒业/茶业/商贸 烟酒店/茶叶店 白酒/茶叶/饮料
5229 食品/商贸 零食店/干杂店 零食/干货/腊肉/香肠"""),
    _p("food_mfg", 4, "食品", (80, 20, 0), """
1353 食品 腊味坊/卤味坊 腊肉/香肠/卤肉
1371 食品/农产品开发 泡菜坊 泡菜/榨菜
1392 食品 豆腐坊 豆腐/豆腐干/豆花
1411 食品/烘焙 糕点坊 糕点/面包/月饼
1431 食品 面条加工坊 挂面/米粉/面条
1462 调味品/酿造 酱园/醋坊 酱油/醋/豆瓣酱
1469 调味品/食品 火锅底料加工坊 火锅底料/豆瓣酱/花椒油
1512 酒业 酒坊 白酒/散装白酒
1522 饮品/水业 - 桶装水/矿泉水
1530 茶业 茶叶加工坊 绿茶/花茶/藏茶
1491 食品/营养 - 营养米粉/代餐粉"""),
    _p("health_food", 1.5, "食品", (80, 20, 0), """
1492 生物科技/健康科技 - 保健品/蛋白粉/鱼油
5225 健康科技/保健品 保健品店 保健品/蛋白粉/酵素/减肥茶
5126 生物科技/商贸 - 保健品/鱼油"""),
    _p("pharmacy", 3, "药品", (70, 30, 0), """
5251 大药房/医药连锁/药业 药店/大药房 感冒药/阿莫西林/布洛芬/头孢/降压药
5252 中药/大药房/药业 中药房/中药店 中药饮片/板蓝根/三七粉"""),
    _p("drug_wholesale", 0.7, "药品", (100, 0, 0), """
5151 医药/药业 - 化学药品/中成药/注射液
5152 中药材/药业 - 中药饮片/中药材
2720 制药/药业 - 片剂/胶囊
2740 制药/中药 - 中成药/颗粒剂
2730 中药饮片/药业 - 中药饮片"""),
    _p("device", 1, "医疗器械", (70, 30, 0), """
5254 医疗器械/医疗科技 医疗器械店 血压计/血糖仪/轮椅/口罩
5255 健康器材/医疗科技 保健器材店/助听器店 理疗仪/助听器/按摩椅
5154 医疗器械/医疗科技 - 医用耗材/检测试剂"""),
    _p("cosmetics", 2, "化妆品", (50, 50, 0), """
5234 化妆品/美妆 化妆品店/美妆店 面膜/精华液/防晒霜/口红
5134 化妆品/日化 - 面膜/洗发水/染发剂
2682 化妆品/生物科技 - 面霜/精华液/祛斑霜"""),
    _p("beauty", 5, "预付式消费", (30, 70, 0), """
8040 美容/美业/美发 美容院/美发店/美甲店/理发店 美容卡/美发卡/护理套餐/会员卡
8053 健康管理/养生 养生馆 养生卡/理疗套餐
8052 足浴/健康管理 足浴店 足浴卡/会员卡
8051 洗浴/休闲 洗浴中心 洗浴卡/会员卡"""),
    _p("med_beauty", 1, "医疗美容", (100, 0, 0), """
8415 医疗美容医院/医院 - 双眼皮手术/隆鼻手术/吸脂手术
8425 医疗美容门诊部/医疗美容诊所 - 玻尿酸注射/光子嫩肤/水光针"""),
    _p("hotel", 3, "价格", (50, 50, 0), """
6110 酒店管理/酒店 - 房费/早餐/押金
6121 酒店管理/酒店 - 房费/押金
6129 宾馆/旅馆 宾馆/招待所/旅馆 房费/押金
6130 民宿/旅游开发 民宿/客栈 房费/餐费"""),
    _p("training", 3, "教育培训", (95, 5, 0), """
8391 职业培训学校/教育咨询 培训部 考证班/技能培训课
8392 体育文化/体育培训 - 游泳课/篮球课/跆拳道课
8393 文化艺术培训/艺术培训 画室 舞蹈课/美术课/钢琴课
8394 教育科技/教育咨询 - 辅导课/托管服务
8399 教育咨询/教育科技 - 编程课/研学课程"""),
    _p("fitness", 1.5, "预付式消费", (80, 20, 0), """
8930 健身/运动健康/体育文化 健身工作室/瑜伽馆 健身年卡/私教课/瑜伽卡
8921 体育文化/体育场馆管理 - 游泳卡/场馆年卡"""),
    _p("property", 2, "特种设备", (100, 0, 0), """
7020 物业管理/物业服务 - 电梯/自动扶梯"""),
    _p("gas", 0.8, "燃气", (90, 10, 0), """
4511 燃气/天然气 - 天然气/燃气表
4512 液化气/能源 液化气站 液化气/钢瓶
5296 能源/燃料 燃料店/液化气站 液化气/钢瓶
5266 能源/燃气 - 车用天然气"""),
    _p("fuel", 0.8, "计量", (100, 0, 0), """
5265 石油/能源/石化 - 汽油/柴油"""),
    _p("tourism", 2, "旅游", (100, 0, 0), """
7291 旅行社/国际旅行社 - 旅游团/一日游/跟团游
7861 旅游开发/景区管理 - 门票/观光车票/索道票
7869 景区管理/旅游开发 - 门票/观光车票
9020 游乐/游乐园管理 - 游乐项目票/门票
9030 休闲旅游/农业观光 - 门票/采摘票
5422 旅游客运 - 车票/包车费"""),
    _p("online", 3, "网络交易", (70, 30, 0), """
5292 电子商务/电商 网店 衣服/鞋子/零食/小家电/化妆品
6432 网络科技/信息技术 - 团购券/外卖/网约车服务
5193 电子商务/供应链 - 批发商品/日用品"""),
    _p("goods", 4, "产品质量", (40, 60, 0), """
5272 家电/电器 家电行/电器店 冰箱/空调/电热水壶/洗衣机
5271 电器/家电 电器店 电视机/音箱
5274 通讯设备/通讯 手机店 手机/充电宝/耳机
5273 电脑/科技 电脑店 电脑/打印机
5283 家居/家具 家具店 沙发/床垫/衣柜
5232 服饰/服装 服装店 羽绒服/衬衫/童装
5233 鞋业/服饰 鞋店 运动鞋/皮鞋
5281 五金/建材 五金店 电线/插座/水龙头
5287 建材/装饰材料 建材店/瓷砖店 瓷砖/卫浴/地板"""),
    _p("auto", 2, "产品质量", (60, 40, 0), """
5261 汽车销售服务/汽车贸易 - 新车/汽车
5262 二手车/汽车贸易 二手车行 二手车
5263 汽车配件/汽车用品 汽配店 轮胎/机油/刹车片
8111 汽车服务/汽车维修 汽修厂/汽车美容店 保养服务/维修服务"""),
    _p("agri_inputs", 1.5, "农资", (50, 50, 0), """
5166 农资/化肥 农资店 复合肥/尿素/有机肥
5167 农资/农药 农药店 除草剂/杀虫剂
5112 种业/种子 种子店 玉米种子/水稻种子/蔬菜种子
5168 农资/农膜 农资店 地膜/农膜"""),
    _p("agriculture", 4, "食品", (30, 10, 60), """
0141 农业开发/生态农业 种植场 蔬菜/莴笋/辣椒
0151 农业开发/果业 果园 桃子/李子/枇杷
0153 农业开发/果业 果园 柑橘/脐橙/柠檬
0164 茶业/农业开发 茶园 茶叶
0171 中药材/农业开发 - 中药材/川芎/黄连
0313 生态农业/养殖 养殖场 生猪/猪肉
0321 生态农业/养殖 养殖场 土鸡/鸡蛋
0142 农业科技/菌业 - 食用菌/香菇"""),
    _p("advertising", 1.5, "广告", (100, 0, 0), """
7259 广告/文化传媒/传媒 - 宣传单/户外广告
7251 网络科技/传媒 - 短视频广告/网络推广"""),
    _p("market_mgmt", 0.7, "计量", (100, 0, 0), """
7223 市场管理/农贸市场管理 - 摊位费/蔬菜/猪肉
7222 商业管理/商业运营管理 - 停车费/物业费"""),
    _p("construction", 3, "其他", (100, 0, 0), """
4710 建筑工程/建设工程 - 建筑工程
5012 装饰工程/装饰设计 装修队 家装/装修
5011 装饰工程/建筑装饰 - 装修工程
4813 市政工程/建设工程 - 市政工程
4910 电气安装/机电工程 - 安装工程"""),
    _p("recreation", 1.5, "其他", (60, 40, 0), """
9011 娱乐/文化娱乐 KTV 包间费/酒水
9012 电子游艺/娱乐 游戏厅 游戏币
9013 网络会所/网咖 网吧 上网费/饮料
9019 娱乐/文化娱乐 棋牌室 茶水费/台费"""),
    _p("other", 12, "其他", (75, 25, 0), """
6513 科技/信息技术/软件 - 软件/服务费
7243 咨询/企业管理咨询 - 咨询费
7299 商务服务/企业管理 - 服务费
5179 贸易/商贸 - 设备
5181 贸易/商务 - 代理费
7241 财务咨询/会计服务 代账工作室 代账费
6531 信息技术/系统集成 - 服务费
7212 投资管理/资产管理 - 管理费
5431 物流/运输 - 运费
8010 家政服务/家庭服务 家政服务部 保洁服务/月嫂服务
8290 商务服务/生活服务 服务部 服务费
7484 工程设计/设计 - 设计费
5139 商贸/日用品 日杂店 日用品
8030 洗染/洗衣 洗衣店/干洗店 干洗费/衣服
6020 快递/物流 快递点 快递
8131 家电维修/电器维修 维修部 维修费
8132 家电维修/电器服务 家电维修部 维修费"""),
)
PROFILE_INDEX = {profile.key: i for i, profile in enumerate(PROFILES)}
PREPAID_KEYS = ("beauty", "fitness", "training")  # trades where prepaid-card surges happen
LICENCE_KEYS = ("catering", "food_retail", "beauty")  # trades where one licence covers many shops


def check_profiles(industries: Industries) -> None:
    """Fail early when a profile names a class that is not in the classification."""
    for profile in PROFILES:
        for line in profile.lines:
            if len(line.code) != 4 or not industries.exists(line.code):
                raise ValueError(f"profile {profile.key}: {line.code} is not a GB/T 4754 class")
