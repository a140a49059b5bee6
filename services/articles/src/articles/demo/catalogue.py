"""The demo section tree: names, slugs, comment policies, and what each section writes about."""
# ruff: noqa: RUF001 - Chinese text is written with full-width punctuation

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoSection:
    """One section of the demo tree; ``topics`` feed its articles (leaf sections only)."""

    slug: str
    name: str
    description: str = ""
    policy: str | None = None
    comments_open: bool | None = None
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    children: tuple[DemoSection, ...] = field(default=())


# Root sections: the portal's own home link (首页) sits above them in breadcrumbs and menus.
ROOTS: tuple[DemoSection, ...] = (
    DemoSection(
        "news",
        "新闻中心",
        "权威发布，实时资讯",
        policy="first",
        children=(
            DemoSection(
                "domestic",
                "国内新闻",
                "各地发展动态",
                topics=("乡村振兴", "城市更新", "营商环境", "基层治理", "生态保护", "交通建设"),
                tags=("地方动态",),
                orgs=("市发展改革委", "县农业农村局", "区住房城乡建设局", "市生态环境局"),
                children=(
                    DemoSection(
                        "local",
                        "地方传真",
                        "县镇村里的新鲜事",
                        topics=("县域经济", "美丽乡村", "民俗节庆", "特色农产品"),
                        tags=("地方传真",),
                        orgs=("县农业农村局", "镇政府", "村委会", "县文化馆"),
                    ),
                ),
            ),
            DemoSection(
                "world",
                "国际新闻",
                "环球视野",
                policy="pre",
                topics=("气候合作", "国际贸易", "海上航运", "国际会展", "能源转型"),
                tags=("国际视野",),
                orgs=("国际组织代表", "驻外商会", "港口管理部门", "会展主办方"),
            ),
            DemoSection(
                "society",
                "社会民生",
                "百姓身边事",
                topics=("养老服务", "社区治理", "志愿服务", "全民健身", "食品安全", "就业服务"),
                tags=("民生",),
                orgs=("区民政局", "街道办事处", "市体育局", "市场监管部门", "人力资源服务中心"),
            ),
        ),
    ),
    DemoSection(
        "finance",
        "财经频道",
        "经济形势与产业脉动",
        policy="post",
        children=(
            DemoSection(
                "macro",
                "宏观经济",
                topics=("消费市场", "外贸进出口", "数据要素", "高质量发展", "银发经济"),
                tags=("经济观察",),
                orgs=("市统计局", "市商务局", "市数据局", "行业协会"),
            ),
            DemoSection(
                "industry",
                "产业观察",
                topics=("新能源汽车", "低空经济", "智能制造", "现代农业", "数字化转型"),
                tags=("产业",),
                orgs=("市工业和信息化局", "园区管委会", "行业协会", "县农业农村局"),
            ),
        ),
    ),
    DemoSection(
        "tech",
        "科技频道",
        "前沿科技与数字生活",
        policy="post",
        children=(
            DemoSection(
                "ai",
                "人工智能",
                policy="pre",
                topics=("大模型", "人工智能", "智慧城市", "数字政府", "网络安全"),
                tags=("科技前沿",),
                orgs=("市科技局", "高校研究团队", "市数据局", "网信部门"),
            ),
            DemoSection(
                "digital",
                "数码生活",
                topics=("智能手机", "智能家居", "可穿戴设备", "卫星导航", "移动支付"),
                tags=("数码",),
                orgs=("消费者协会", "行业协会", "高校研究团队", "市场监管部门"),
            ),
        ),
    ),
    DemoSection(
        "culture",
        "文化教育",
        "文化传承与教育发展",
        policy="first",
        children=(
            DemoSection(
                "heritage",
                "文化遗产",
                topics=("非物质文化遗产", "古籍保护", "传统村落", "博物馆", "公共文化"),
                tags=("文化",),
                orgs=("市文化和旅游局", "市博物馆", "市图书馆", "文物保护中心"),
            ),
            DemoSection(
                "education",
                "教育动态",
                topics=("学习型组织", "职业教育", "产教融合", "校园安全", "阅读推广"),
                tags=("教育",),
                orgs=("市教育局", "市委组织部", "职业技术学院", "市图书馆"),
            ),
        ),
    ),
    DemoSection(
        "notices",
        "通知公告",
        "本站通知与公告",
        comments_open=False,
        topics=("系统维护", "征文启事", "服务指南"),
        tags=("公告",),
        orgs=("本站编辑部",),
    ),
)
