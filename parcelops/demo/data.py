"""The raw material of the demo shop: its catalogue, its customers' names and addresses.

Kept apart from ``parcelops.demo.loader`` so the generator reads as a story, not as a list.
"""

from dataclasses import dataclass

from parcelops.orders.models import Channel
from parcelops.orders.states import ProductType

STANDARD = ProductType.STANDARD.value
CUSTOM_MADE = ProductType.CUSTOM_MADE.value
GROUP_BUY = ProductType.GROUP_BUY.value
PRE_SALE = ProductType.PRE_SALE.value


@dataclass(frozen=True)
class CatalogueItem:
    sku: str
    name: str
    category: str
    product_type: str
    unit_price_cents: int


TEA = "茶叶茶具"
ELECTRONICS = "数码电器"
CLOTHING = "服装鞋靴"
FURNITURE = "家具家居"

CATALOGUE: tuple[CatalogueItem, ...] = (
    CatalogueItem("TEA-LJ-250", "西湖龙井 明前特级 250g", TEA, STANDARD, 36800),
    CatalogueItem("TEA-PE-357", "云南普洱熟茶饼 357g", TEA, STANDARD, 19800),
    CatalogueItem("TEA-TGY-500", "安溪铁观音 清香型 500g", TEA, STANDARD, 25800),
    CatalogueItem("TEA-DHP-200", "武夷山大红袍 礼盒 200g", TEA, STANDARD, 42800),
    CatalogueItem("TEA-BZY-100", "福鼎白茶 白毫银针 100g", TEA, STANDARD, 29900),
    CatalogueItem("TEA-JJM-100", "金骏眉红茶 100g", TEA, STANDARD, 32600),
    CatalogueItem("TEA-CUP-01", "双层玻璃茶杯 350ml", TEA, STANDARD, 3990),
    CatalogueItem("TEA-GIFT-01", "企业定制茶礼盒（烫金刻字）", TEA, CUSTOM_MADE, 68800),
    CatalogueItem("TEA-ZSH-01", "宜兴紫砂壶 手工定制刻名", TEA, CUSTOM_MADE, 128000),
    CatalogueItem("TEA-BLC-GB", "拼团 洞庭碧螺春 250g", TEA, GROUP_BUY, 8900),
    CatalogueItem("TEA-LJ-PS", "预售 2027 年明前龙井 250g", TEA, PRE_SALE, 118000),
    CatalogueItem("EL-PHONE-01", "旗舰智能手机 12GB+256GB", ELECTRONICS, STANDARD, 599900),
    CatalogueItem("EL-LAPTOP-01", "轻薄笔记本电脑 14 英寸", ELECTRONICS, STANDARD, 649900),
    CatalogueItem("EL-CAM-01", "全画幅微单相机 套机", ELECTRONICS, STANDARD, 899900),
    CatalogueItem("EL-TABLET-01", "平板电脑 11 英寸 128GB", ELECTRONICS, STANDARD, 299900),
    CatalogueItem("EL-MON-01", "27 英寸 4K 显示器", ELECTRONICS, STANDARD, 219900),
    CatalogueItem("EL-WATCH-01", "智能手表 运动版", ELECTRONICS, STANDARD, 129900),
    CatalogueItem("EL-EAR-01", "真无线降噪耳机", ELECTRONICS, STANDARD, 89900),
    CatalogueItem("EL-KB-01", "机械键盘 87 键 茶轴", ELECTRONICS, STANDARD, 42900),
    CatalogueItem("EL-PB-01", "20000mAh 快充充电宝", ELECTRONICS, STANDARD, 15900),
    CatalogueItem("EL-SPK-GB", "拼团 便携蓝牙音箱", ELECTRONICS, GROUP_BUY, 12900),
    CatalogueItem("EL-CONSOLE-PS", "预售 新款游戏主机", ELECTRONICS, PRE_SALE, 389900),
    CatalogueItem("CL-DOWN-01", "长款羽绒服 90% 白鸭绒", CLOTHING, STANDARD, 109900),
    CatalogueItem("CL-CASH-01", "圆领羊绒衫", CLOTHING, STANDARD, 69900),
    CatalogueItem("CL-JEAN-01", "直筒牛仔裤", CLOTHING, STANDARD, 25900),
    CatalogueItem("CL-TEE-03", "纯棉 T 恤 三件装", CLOTHING, STANDARD, 12900),
    CatalogueItem("CL-RUN-01", "缓震跑步鞋", CLOTHING, STANDARD, 56900),
    CatalogueItem("CL-QIPAO-01", "真丝旗袍 量身定制", CLOTHING, CUSTOM_MADE, 268000),
    CatalogueItem("CL-SUIT-01", "男士西装 量体定制", CLOTHING, CUSTOM_MADE, 398000),
    CatalogueItem("CL-HOOD-GB", "拼团 加绒连帽卫衣", CLOTHING, GROUP_BUY, 9900),
    CatalogueItem("CL-HANFU-PS", "预售 新春款汉服", CLOTHING, PRE_SALE, 46800),
    CatalogueItem("FU-SOFA-01", "头层牛皮沙发 三人位", FURNITURE, STANDARD, 1280000),
    CatalogueItem("FU-BED-01", "北美黑胡桃实木床 1.8m", FURNITURE, STANDARD, 698000),
    CatalogueItem("FU-MAT-01", "天然乳胶床垫 1.8m×2m", FURNITURE, STANDARD, 328000),
    CatalogueItem("FU-TABLE-01", "岩板餐桌 一桌六椅", FURNITURE, STANDARD, 568000),
    CatalogueItem("FU-CHAIR-01", "人体工学电脑椅", FURNITURE, STANDARD, 159900),
    CatalogueItem("FU-DESK-01", "电动升降书桌", FURNITURE, STANDARD, 189900),
    CatalogueItem("FU-WARD-01", "全屋定制衣柜（每延米）", FURNITURE, CUSTOM_MADE, 238000),
    CatalogueItem("FU-BOX-GB", "拼团 折叠收纳柜", FURNITURE, GROUP_BUY, 15900),
    CatalogueItem("FU-TEA-PS", "预售 乌金木实木茶台", FURNITURE, PRE_SALE, 428000),
)

CHANNELS: tuple[tuple[str, str, str, int], ...] = (
    # code, name, kind, share of the orders
    ("web", "官网", Channel.Kind.WEB, 12),
    ("app", "App", Channel.Kind.APP, 13),
    ("mini_program", "微信小程序", Channel.Kind.MINI_PROGRAM, 15),
    ("tmall", "天猫", Channel.Kind.MARKETPLACE, 25),
    ("jd", "京东", Channel.Kind.MARKETPLACE, 20),
    ("douyin", "抖音", Channel.Kind.MARKETPLACE, 15),
)
# The channels' names on English pages.
CHANNEL_NAMES_EN = {
    "web": "Web shop",
    "app": "App",
    "mini_program": "WeChat mini-program",
    "tmall": "Tmall",
    "jd": "JD.com",
    "douyin": "Douyin",
}
MARKETPLACES = frozenset({"tmall", "jd", "douyin"})
# (prefix, digits) of each channel's own order ids, shaped like the real platforms' ids.
EXTERNAL_ID_SHAPES = {
    "web": ("W", 10),
    "app": ("APP", 10),
    "mini_program": ("WX", 14),
    "tmall": ("", 19),
    "jd": ("", 12),
    "douyin": ("69", 17),
}

# How often a customer shops in each category (of 100).
CATEGORY_WEIGHTS = {TEA: 35, ELECTRONICS: 25, CLOTHING: 25, FURNITURE: 15}

# (surname, its pinyin) and (given name, its pinyin): the pinyin makes the email address.
SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng"),
    ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("潘", "pan"),
    ("袁", "yuan"), ("蔡", "cai"), ("蒋", "jiang"), ("余", "yu"), ("杜", "du"),
    ("叶", "ye"), ("程", "cheng"), ("魏", "wei"), ("苏", "su"), ("吕", "lv"),
    ("丁", "ding"), ("沈", "shen"), ("任", "ren"), ("姚", "yao"), ("卢", "lu"),
)  # fmt: skip
GIVEN_NAMES = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("秀英", "xiuying"), ("桂英", "guiying"), ("晓明", "xiaoming"), ("子涵", "zihan"),
    ("欣怡", "xinyi"), ("梓轩", "zixuan"), ("浩然", "haoran"), ("雨桐", "yutong"),
    ("思远", "siyuan"), ("佳怡", "jiayi"), ("一鸣", "yiming"), ("诗涵", "shihan"),
    ("俊杰", "junjie"), ("文博", "wenbo"), ("宇航", "yuhang"), ("晨曦", "chenxi"),
    ("若曦", "ruoxi"), ("志强", "zhiqiang"), ("建华", "jianhua"), ("海燕", "haiyan"),
    ("丹丹", "dandan"), ("雪梅", "xuemei"), ("国庆", "guoqing"), ("春燕", "chunyan"),
    ("婷婷", "tingting"), ("昊天", "haotian"), ("梦瑶", "mengyao"), ("天佑", "tianyou"),
    ("语嫣", "yuyan"), ("明轩", "mingxuan"), ("心怡", "xinyi"), ("博文", "bowen"),
)  # fmt: skip

# Reserved example domains (RFC 2606): a demo address must never reach a real mailbox.
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

# Mainland mobile number prefixes of the three big carriers.
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "177", "178", "180", "181", "182",
    "183", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip


@dataclass(frozen=True)
class Region:
    province: str
    city: str
    districts: tuple[tuple[str, str], ...]  # (district, postal code)


REGIONS: tuple[Region, ...] = (
    Region("北京市", "北京市", (("朝阳区", "100020"), ("海淀区", "100080"), ("东城区", "100010"))),
    Region(
        "上海市", "上海市", (("浦东新区", "200120"), ("徐汇区", "200030"), ("静安区", "200040"))
    ),
    Region("广东省", "广州市", (("天河区", "510620"), ("越秀区", "510030"), ("海珠区", "510220"))),
    Region("广东省", "深圳市", (("南山区", "518052"), ("福田区", "518048"), ("宝安区", "518101"))),
    Region("浙江省", "杭州市", (("西湖区", "310012"), ("余杭区", "311100"), ("滨江区", "310051"))),
    Region("浙江省", "宁波市", (("鄞州区", "315100"), ("海曙区", "315010"))),
    Region("江苏省", "南京市", (("鼓楼区", "210009"), ("玄武区", "210018"))),
    Region("江苏省", "苏州市", (("姑苏区", "215008"), ("吴中区", "215128"))),
    Region("四川省", "成都市", (("武侯区", "610041"), ("锦江区", "610021"), ("青羊区", "610031"))),
    Region("湖北省", "武汉市", (("武昌区", "430061"), ("洪山区", "430070"))),
    Region("陕西省", "西安市", (("雁塔区", "710061"), ("碑林区", "710001"))),
    Region("重庆市", "重庆市", (("渝中区", "400010"), ("江北区", "400020"))),
    Region("天津市", "天津市", (("和平区", "300041"), ("南开区", "300100"))),
    Region("山东省", "青岛市", (("市南区", "266001"), ("崂山区", "266061"))),
    Region("山东省", "济南市", (("历下区", "250014"),)),
    Region("福建省", "厦门市", (("思明区", "361001"), ("湖里区", "361006"))),
    Region("福建省", "福州市", (("鼓楼区", "350001"),)),
    Region("湖南省", "长沙市", (("岳麓区", "410006"), ("芙蓉区", "410011"))),
    Region("河南省", "郑州市", (("金水区", "450003"), ("二七区", "450052"))),
    Region("安徽省", "合肥市", (("蜀山区", "230031"), ("包河区", "230041"))),
    Region("辽宁省", "沈阳市", (("和平区", "110001"),)),
    Region("辽宁省", "大连市", (("中山区", "116001"),)),
    Region("云南省", "昆明市", (("五华区", "650032"),)),
    Region("黑龙江省", "哈尔滨市", (("南岗区", "150001"),)),
    Region("广西壮族自治区", "南宁市", (("青秀区", "530022"),)),
    Region("河北省", "石家庄市", (("长安区", "050011"),)),
    Region("江西省", "南昌市", (("东湖区", "330006"),)),
    Region("贵州省", "贵阳市", (("云岩区", "550001"),)),
    Region("海南省", "海口市", (("龙华区", "570105"),)),
    Region("新疆维吾尔自治区", "乌鲁木齐市", (("天山区", "830002"),)),
)

STREETS = (
    "人民路", "中山路", "解放路", "建设路", "新华路", "长江路", "和平路", "文化路",
    "青年路", "胜利路", "花园路", "学府路", "科技路", "滨江大道", "世纪大道", "东风路",
)  # fmt: skip
ESTATES = (
    "阳光花园", "锦绣家园", "翠湖苑", "金色港湾", "书香名邸", "春江花月", "和谐家园",
    "御景湾", "紫荆公寓", "绿地新城", "华府名苑", "枫林小区",
)  # fmt: skip

# What a reviewer writes when sending an order back, and what the processor answers.
REJECTION_COMMENTS = (
    "收货地址缺少门牌号，请与客户核实后重新提交。",
    "定制刻字内容客户尚未确认，请先联系客户确认。",
    "大额订单付款凭证与订单金额不一致，请核对。",
    "VIP 客户的赠品未添加，请补充后再提交。",
    "预售商品的发货时间未告知客户，请先沟通。",
)
RESUBMIT_COMMENTS = (
    "已电话联系客户核实，信息无误。",
    "客户已确认，备注已更新。",
    "已补充说明，请再次审核。",
)
APPROVAL_COMMENTS = ("", "", "核对无误。", "已核实付款与收货信息。")
CUSTOMER_CANCEL_REASONS = (
    "客户申请取消：买错了规格。",
    "客户申请取消：不想要了。",
    "客户申请取消：已在其他渠道购买。",
    "客户要求修改收货城市，取消后重新下单。",
)
UNPAID_CANCEL_REASON = "超时未支付，订单自动关闭。"

# Where the shop's parcels start, and the sorting hub its carriers take them to first.
WAREHOUSE = ("杭州市", "余杭区", "杭州余杭仓")  # city, district, name
ORIGIN_HUB = "杭州转运中心"
# The carriers that pick up at the warehouse when the customer asked for none (of 100).
CARRIER_SHARES = {
    "zto": 24, "yto": 20, "yunda": 14, "sto": 12, "jtexpress": 10, "sf-express": 10, "ems": 6,
    "deppon": 4,
}  # fmt: skip
# How logistics staff note a delivery the carrier never reported (a correction by hand).
DELIVERY_CONFIRMATIONS = (
    "客户来电确认已收到包裹，快递公司未回传签收信息。",
    "客户在线上客服确认已收货，承运商轨迹停在派送中。",
    "派件员电话确认已送达本人，系统未更新签收状态。",
)

# How the demo's logistics people closed the past cases (on completed orders): by the
# desk's type, the resolution, the summary later cases find (cause, action, lesson), and
# what the shop paid the customer (cents; 0: nothing).
CASE_SUMMARIES: dict[str, tuple[str, str, str, str, int]] = {
    "damaged": (
        "compensated",
        "转运中心分拣时外箱受压，礼盒一角变形，内件完好。",
        "联系承运商确认破损记录，补偿客户 20 元，客户同意保留商品。",
        "礼盒和易碎商品加装护角与气泡柱，外箱贴“易碎勿压”标识。",
        2000,
    ),
    "failed_delivery": (
        "resolved_by_carrier",
        "收件人工作日白天不在家，派件员两次上门未能联系上。",
        "联系网点约定晚间派送，第三次派送本人签收。",
        "备注“白天不在家”的订单，发货时提醒客户选择驿站或快递柜代收。",
        0,
    ),
    "misdelivered": (
        "resolved_by_carrier",
        "网点分拣错误，快件被派往另一城市并由他人代签。",
        "当天联系承运商追回快件并改派正确地址，客户收货后确认完好。",
        "签收城市与订单城市不一致时当天联系承运商，越早追回越容易。",
        0,
    ),
}
# A past case of any other type.
CASE_SUMMARY_OTHERWISE = (
    "no_action",
    "承运商轨迹异常，快件实际已正常送达。",
    "与承运商核实后确认无需处理，已告知客户。",
    "同类轨迹异常先向承运商核实，再决定是否联系客户。",
    0,
)
