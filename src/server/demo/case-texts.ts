import { Random } from './random.js';

/**
 * Plausible Chinese case descriptions (事件描述) per category code, as residents type them on a phone
 * and grid workers write them on patrol: a place (小区、楼栋、路名、门面), what is wrong, sometimes
 * when, how long it has lasted and what is asked, in colloquial variants, with typos and filler words
 * shared by every category — so that the classes overlap as they do in real life (a 噪声 complaint
 * about a 施工 site, rubbish that could be 暴露垃圾 or 渣乱倒). Seeded: the same seed gives the same
 * texts. Used by the demo seed and by the dispatch suggestion benchmark.
 */

/** What is wrong, per category: each entry one way of saying it. `{obj}` draws from the category's objects. */
interface CategoryPhrases {
  what: readonly string[];
  obj?: readonly string[];
  /** Further details some reporters add. */
  more?: readonly string[];
}

const P: Record<string, CategoryPhrases> = {
  'city_appearance.exposed_garbage': {
    what: ['{obj}堆了好多垃圾没人清', '垃圾堆在{obj}好几天了', '{obj}有一堆生活垃圾', '垃圾桶满了溢出来，{obj}全是垃圾袋', '{obj}乱扔垃圾，臭气熏天'],
    obj: ['路边', '绿化带旁边', '小区门口', '菜场后面', '围墙边', '桥下面'],
    more: ['苍蝇蚊子很多', '天热了味道很大', '野狗在翻垃圾'],
  },
  'city_appearance.dirty_road': {
    what: ['路面很脏，到处是泥巴', '{obj}上全是油污', '马路上撒了一地的沙子泥土', '路面污水横流', '{obj}脏得不行没人扫'],
    obj: ['人行道', '马路', '路口', '公交站台'],
    more: ['下雨天一踩一脚泥', '走路容易滑倒', '车一过灰尘满天飞'],
  },
  'city_appearance.open_burning': {
    what: ['有人在{obj}烧垃圾', '{obj}有人焚烧树叶，烟很大', '露天烧东西，浓烟滚滚', '有人在烧废旧电线', '{obj}烧秸秆杂草'],
    obj: ['空地上', '工地旁边', '河边', '绿化带里', '小区后面'],
    more: ['呛得人喘不过气', '窗户都不敢开', '担心引起火灾'],
  },
  'advertising.illegal_ads': {
    what: ['{obj}贴满了小广告', '到处是办证、通下水道的小广告', '{obj}被喷涂了电话号码', '有人在{obj}发传单贴广告', '牛皮癣广告撕了又贴'],
    obj: ['电线杆上', '楼道墙上', '单元门上', '电梯里', '公交站牌上'],
    more: ['很影响市容', '清理了几次又有了'],
  },
  'advertising.outdoor_ads': {
    what: ['{obj}挂了一块很大的广告牌', '楼顶广告牌没有审批', '{obj}新装的LED广告屏晚上太亮', '户外广告布挂在楼外墙上', '广告牌歪了快掉下来'],
    obj: ['商场外墙', '楼顶', '路口', '门面上方'],
    more: ['刮风的时候晃得厉害', '晚上灯光照进家里'],
  },
  'construction.construction_noise': {
    what: ['{obj}晚上还在施工，噪音太大', '工地半夜打桩吵得睡不着', '{obj}夜间施工扰民', '凌晨还在浇混凝土，机器声音很响', '工地早上六点就开始电钻作业'],
    obj: ['旁边工地', '对面的工地', '小区旁边的楼盘', '地铁工地'],
    more: ['老人小孩都睡不好', '已经持续一个多星期', '不知道有没有夜间施工许可'],
  },
  'construction.unfenced_site': {
    what: ['{obj}没有围挡', '施工现场围挡倒了', '工地围挡破了一个大口子', '{obj}开挖没有设置警示', '工地敞开施工，扬尘很大'],
    obj: ['路边施工的地方', '管道施工现场', '工地', '小区里挖的坑'],
    more: ['小孩子跑进去很危险', '晚上没有警示灯'],
  },
  'construction.muck_transport': {
    what: ['渣土车沿路撒了一地泥', '{obj}渣土车没有覆盖', '拉土车漏了一路渣土', '渣土车把路面弄得全是泥', '{obj}大货车遗撒砂石'],
    obj: ['晚上', '路口', '工地出口', '主干道上'],
    more: ['车开过去灰很大', '路面打滑'],
  },
  'street_order.street_vending': {
    what: ['{obj}有流动摊贩卖水果', '游商在{obj}叫卖', '三轮车在{obj}卖菜，占了半条路', '有人推车卖烧烤', '{obj}早上有人摆地摊卖早点'],
    obj: ['学校门口', '地铁口', '路边', '小区门口'],
    more: ['堵得车过不去', '油烟很大', '走了又回来'],
  },
  'street_order.shopfront': {
    what: ['{obj}店外占道经营', '门面把货摆到人行道上', '{obj}把桌子摆到外面来了', '店家在门口洗车修车占道', '饭店在门外杀鱼，污水满地'],
    obj: ['路边的饭店', '水果店', '门面', '五金店', '烧烤店'],
    more: ['行人只能走马路', '说了好几次不听'],
  },
  'street_order.noise': {
    what: ['{obj}音响声音太大', '广场舞音乐太吵', '{obj}大喇叭循环叫卖', '楼下酒吧晚上吵到很晚', '{obj}有人半夜唱歌喝酒吵闹'],
    obj: ['楼下的店', '广场', '门面', '隔壁的棋牌室'],
    more: ['睡不着觉', '每天晚上十点以后还在吵', '噪音扰民严重'],
  },
  'emergency.road_collapse': {
    what: ['{obj}路面塌了一个大坑', '地面突然下陷', '{obj}出现塌陷，很危险', '路面开裂下沉', '马路中间塌了个洞'],
    obj: ['路口', '人行道', '小区门口', '公交站旁边'],
    more: ['车差点掉进去', '要赶紧围起来'],
  },
  'emergency.pipe_burst': {
    what: ['{obj}自来水管爆了', '水管破裂，水一直往外冒', '{obj}供水管道爆裂，路上全是水', '地下水管爆了在喷水', '消防管道爆裂水漫出来'],
    obj: ['路边', '小区里', '楼下', '路口'],
    more: ['家里停水了', '水流了一上午'],
  },
  'emergency.waterlogging': {
    what: ['下大雨{obj}积水很深', '{obj}淹水了车过不去', '路面积水没过了脚踝', '雨后{obj}一直积水排不出去', '下水道堵了，路上一片汪洋'],
    obj: ['路口', '地下通道', '小区门口', '桥洞'],
    more: ['电动车都熄火了', '每次下雨都这样'],
  },
  'emergency.gas_leak': {
    what: ['{obj}闻到很大的煤气味', '疑似燃气泄漏', '{obj}天然气管道漏气', '燃气表附近有嘶嘶的漏气声', '有一股臭鸡蛋味，像是天然气泄漏'],
    obj: ['楼道里', '单元门口', '楼下', '厨房外面'],
    more: ['很危险，请马上处理', '已经打开窗户了'],
  },
  'public_facility.manhole_cover': {
    what: ['{obj}井盖不见了', '井盖破了一个洞', '{obj}下水道井盖松动', '井盖被偷了，只剩一个黑洞', '窨井盖下沉，车压过去咣咣响'],
    obj: ['人行道上', '路口', '小区里', '路中间'],
    more: ['晚上看不见容易掉下去', '小孩子经过很危险'],
  },
  'public_facility.street_light': {
    what: ['{obj}路灯不亮了', '路灯坏了好几天', '{obj}一排路灯都不亮', '路灯一闪一闪的', '路灯杆被撞歪了'],
    obj: ['小区门口', '路边', '巷子里', '桥上'],
    more: ['晚上黑漆漆的不安全', '老人晚上出门不方便'],
  },
  'public_facility.fire_hydrant': {
    what: ['{obj}消防栓在漏水', '消防栓被车撞坏了', '{obj}消火栓没有水', '消防栓盖子丢了', '消防栓被杂物埋住了'],
    obj: ['路边', '小区里', '楼下'],
    more: ['着火了怎么办', '一直在滴水'],
  },
  'traffic_facility.road_damage': {
    what: ['{obj}路面坑坑洼洼', '路面破损严重', '{obj}有好几个大坑', '人行道地砖松动翘起', '马路破了一大块'],
    obj: ['路口', '人行道', '小区门口的路', '辅路'],
    more: ['骑车容易摔跤', '下雨天积水'],
  },
  'traffic_facility.traffic_sign': {
    what: ['{obj}交通标志牌倒了', '红绿灯坏了不亮', '{obj}限速牌被撞歪了', '斑马线褪色看不清', '指示牌被树挡住了'],
    obj: ['路口', '学校门口', '转弯处'],
    more: ['容易出事故', '司机看不到'],
  },
  'appearance_facility.litter_bin': {
    what: ['{obj}垃圾箱坏了', '果皮箱盖子没了', '{obj}垃圾桶被烧了', '垃圾箱破了个洞', '垃圾桶倒在地上没人扶'],
    obj: ['路边', '公交站', '小区门口', '公园里'],
    more: ['垃圾扔进去就漏出来'],
  },
  'appearance_facility.public_toilet': {
    what: ['{obj}公厕坏了', '公共厕所水龙头坏了', '{obj}公厕冲水不出水', '公厕门锁坏了', '厕所灯不亮，地上全是水'],
    obj: ['公园', '菜场旁边的', '广场的'],
    more: ['很脏没人打扫', '味道很大'],
  },
  'greenery.damaged_greenery': {
    what: ['{obj}绿化带被毁了', '有人在绿地里种菜', '{obj}草坪被踩秃了', '绿化带被车压坏了', '有人砍了小区里的树'],
    obj: ['小区里', '路边', '公园', '楼下'],
    more: ['好好的草地变成了菜地', '到处是泥'],
  },
  'greenery.fallen_tree': {
    what: ['{obj}大树倒了', '大风把树刮倒了，压在路上', '{obj}树枝断了挂在电线上', '树歪了快倒了', '枯树随时可能倒下来'],
    obj: ['路边', '小区里', '学校门口', '停车场'],
    more: ['挡住了路', '压到了车'],
  },
  'housing_land.dangerous_house': {
    what: ['{obj}墙体开裂', '老房子墙皮大块脱落', '{obj}楼板裂缝越来越大', '房子倾斜了', '阳台快塌了'],
    obj: ['楼道', '老楼', '我家楼上', '外墙'],
    more: ['住着很害怕', '是不是危房需要鉴定'],
  },
  'eight_disorders.parking': {
    what: ['{obj}乱停车', '车子停在{obj}堵住了路', '有车长期占用{obj}', '电动车乱停乱放挡住了{obj}', '{obj}停满了车，消防车进不来'],
    obj: ['消防通道', '小区门口', '人行道上', '盲道上', '单元门口'],
    more: ['出不去也进不来', '打电话也不挪车', '车牌号鄂A'],
  },
  'eight_disorders.stalls': {
    what: ['{obj}乱摆摊', '摊贩在{obj}摆摊设点', '{obj}被摊位占满了', '早市摊子摆到马路上', '夜市摊位乱摆到很晚'],
    obj: ['路边', '人行道', '菜场门口', '小区门口'],
    more: ['收摊后垃圾满地', '交通堵塞'],
  },
  'eight_disorders.signs': {
    what: ['{obj}招牌乱挂', '店招牌挂得乱七八糟', '{obj}横幅乱挂', '灯箱广告摆在人行道上', '招牌摇摇欲坠'],
    obj: ['门面', '商铺', '楼外墙', '店门口'],
    more: ['有安全隐患', '影响美观'],
  },
  'eight_disorders.posters': {
    what: ['{obj}乱贴纸张广告', '{obj}贴满了海报', '到处乱贴招租启事', '乱贴寻人启事和通知', '{obj}贴了很多租房广告'],
    obj: ['墙上', '电线杆上', '宣传栏外面', '楼道里'],
    more: ['撕不干净', '清了又贴'],
  },
  'eight_disorders.wires': {
    what: ['{obj}电线乱拉', '飞线充电，电线从窗户拉下来', '{obj}网线电话线乱成一团', '有人私拉电线到楼下', '电线垂得很低'],
    obj: ['楼道里', '楼外墙', '路边', '电线杆上'],
    more: ['下雨天怕漏电', '挂到行人的头'],
  },
  'eight_disorders.buildings': {
    what: ['{obj}有人违章搭建', '楼顶在私自加盖房子', '{obj}私搭乱建一个棚子', '一楼住户私自扩建院子', '有人在绿地上建房子'],
    obj: ['小区里', '楼顶', '一楼', '楼下空地'],
    more: ['已经盖了一半', '占了公共空间'],
  },
  'eight_disorders.debris': {
    what: ['{obj}乱倒建筑垃圾', '装修垃圾倒在{obj}', '有人晚上偷倒渣土', '{obj}堆了很多装修废料', '砖头水泥袋扔得到处都是'],
    obj: ['小区里', '路边', '绿化带', '楼道口'],
    more: ['堆了一个多月', '灰尘很大'],
  },
  'eight_disorders.property': {
    what: ['小区没有物业管理', '物业撤走了，小区乱糟糟', '{obj}物业不作为', '物业管理混乱，没人管事', '老旧小区没人管，门禁也坏了'],
    obj: ['我们小区', '这个小区'],
    more: ['垃圾没人收', '门卫也没有'],
  },
  'dispute.neighbour': {
    what: ['楼上楼下因为漏水吵起来了', '邻居{obj}发生纠纷', '和邻居因为{obj}吵架', '邻居家装修把我家墙弄裂了，协商不成', '邻居占用公共楼道堆东西，说了还骂人'],
    obj: ['停车位', '楼道堆物', '噪音', '养狗'],
    more: ['差点打起来', '希望社区来调解'],
  },
  'dispute.family': {
    what: ['夫妻吵架闹离婚', '家里老人赡养问题兄弟之间吵起来', '{obj}家庭矛盾很大', '子女不赡养老人', '家里因为房产分割闹矛盾'],
    obj: ['邻居家', '我家', '楼上一户'],
    more: ['经常吵架摔东西', '希望调解'],
  },
  'dispute.wages': {
    what: ['工地老板拖欠工资', '{obj}欠了我们三个月工资', '农民工讨薪', '公司不发工资也不给说法', '包工头跑了，工资拿不到'],
    obj: ['饭店老板', '公司', '工地'],
    more: ['一共十几个人', '快过年了'],
  },
  'safety_hazard.fire': {
    what: ['{obj}堆满杂物，消防隐患', '消防通道被堵死了', '{obj}灭火器过期了', '楼道里堆了很多纸箱易燃物', '有人在楼道里用明火做饭'],
    obj: ['楼道', '地下室', '安全出口', '楼梯间'],
    more: ['万一着火跑不出去', '安全出口锁上了'],
  },
  'safety_hazard.ebike_charging': {
    what: ['有人把电动车推进楼道充电', '{obj}飞线给电动车充电', '电瓶车在{obj}充电', '电动车停在楼道里充电', '有人从楼上拉线给电瓶车充电'],
    obj: ['楼道里', '单元门口', '电梯里', '窗户外'],
    more: ['晚上一直在充', '电池着火很危险'],
  },
  'safety_hazard.falling_objects': {
    what: ['{obj}有东西掉下来', '高空抛物，差点砸到人', '{obj}外墙瓷砖脱落', '楼上阳台花盆摆在外面随时会掉', '空调外机松动摇摇晃晃'],
    obj: ['楼上', '高楼', '外墙'],
    more: ['下面是人行道', '很危险'],
  },
  'livelihood.elderly_care': {
    what: ['{obj}独居老人生活不能自理', '老人一个人在家没人照顾', '想申请居家养老服务', '{obj}老人需要助餐服务', '高龄老人行动不便需要上门服务'],
    obj: ['楼上', '隔壁', '我家'],
    more: ['子女都在外地', '好几天没见出门了'],
  },
  'livelihood.social_assistance': {
    what: ['家里困难想申请低保', '{obj}生活困难需要救助', '残疾人补贴怎么申请', '生病住院没钱看病', '失业了想申请临时救助'],
    obj: ['我们家', '邻居一家', '一户居民'],
    more: ['孩子还在上学', '希望社区帮帮忙'],
  },
  'livelihood.utilities_supply': {
    what: ['{obj}停水了', '家里停电一整天了', '{obj}水压太小，楼上没水', '天然气停了没通知', '自来水发黄有异味'],
    obj: ['小区', '我们这栋楼', '整栋楼'],
    more: ['也没有提前通知', '老人没法做饭'],
  },
  'property_service.repairs': {
    what: ['报修了物业一直不来修', '{obj}坏了物业不管', '楼道灯坏了报修好久没人来', '{obj}漏水找物业没人处理', '下水道堵了物业拖着不修'],
    obj: ['单元门禁', '楼顶', '水管', '楼道灯', '门禁'],
    more: ['打了好几次电话', '物业推来推去'],
  },
  'property_service.lift': {
    what: ['{obj}电梯坏了', '电梯停了好几天', '{obj}电梯经常困人', '电梯运行时有异响', '电梯门关不上'],
    obj: ['我们单元', '这栋楼', '小区'],
    more: ['老人上不了楼', '物业说在等配件'],
  },
  'property_service.fees': {
    what: ['物业费乱收费', '{obj}物业费涨价没有公示', '停车费收得太高', '物业强制收取装修押金', '物业费交了服务却很差'],
    obj: ['我们小区', '物业公司', '这个小区'],
    more: ['业主都有意见', '要求公开账目'],
  },
  'sanitation.rubbish_sorting': {
    what: ['垃圾分类桶全混着倒', '{obj}垃圾没有分类投放', '分类垃圾桶被撤了', '{obj}厨余垃圾和其他垃圾混装', '垃圾分类督导员不在岗'],
    obj: ['小区', '楼下', '我们单元'],
    more: ['分类了也白分', '收运车混着拉走'],
  },
  'sanitation.pests': {
    what: ['{obj}老鼠很多', '蟑螂成灾', '{obj}蚊子苍蝇特别多', '下水道里老鼠乱窜', '{obj}有白蚁'],
    obj: ['小区里', '楼道', '垃圾站附近', '地下室'],
    more: ['需要消杀', '晚上到处跑'],
  },
};

/** The category codes the generator knows (the 47 subcategories of migrations/0007_cases.sql). */
export const CASE_TEXT_CATEGORIES: readonly string[] = Object.keys(P);

const COMPOUNDS = ['锦绣花园', '阳光小区', '钟家村小区', '晴川苑', '龙湖东岸', '江城明珠', '汉阳人家', '建桥新村', '琴台雅苑', '铁路宿舍', '十里铺小区', '月湖名居'];
const ROADS = ['汉阳大道', '龙阳大道', '琴台大道', '鹦鹉大道', '钟家村路', '建港路', '晴川大道', '汉阳正街', '显正街', '知音西村路'];
const SHOPS = ['便利店', '药店', '早餐店', '五金店', '超市', '理发店', '烧烤店', '快递点', '菜场', '幼儿园'];
const UNITS = ['1', '2', '3'];

function place(r: Random): string {
  switch (r.int(0, 5)) {
    case 0: return `${r.pick(COMPOUNDS)}${r.int(1, 24)}栋`;
    case 1: return `${r.pick(COMPOUNDS)}${r.int(1, 18)}栋${r.pick(UNITS)}单元`;
    case 2: return `${r.pick(ROADS)}${r.int(1, 400)}号`;
    case 3: return `${r.pick(ROADS)}${r.pick(SHOPS)}门口`;
    case 4: return `${r.pick(ROADS)}和${r.pick(ROADS)}交叉口`;
    default: return r.pick(COMPOUNDS);
  }
}

const OPENERS = ['', '', '', '你好，', '您好，', '请问', '反映一下，', '投诉：', '网格员巡查发现：', '居民反映，', '我要举报，', '麻烦管一下，'];
const TIMES = ['', '', '', '今天早上', '昨天晚上', '最近一段时间', '这几天', '每天晚上', '周末', '从上个月开始', '凌晨两点多', '下午'];
const DURATIONS = ['', '', '', '已经好几天了', '一个多星期了', '反映过好多次了', '一直没人管', '持续很久了'];
const ASKS = ['', '', '请尽快处理', '希望有关部门来看看', '麻烦派人来处理一下', '请社区协调解决', '谢谢！', '盼回复', '请相关部门管一管', '急！'];
const NOISE = ['', '', '', '', '真的受不了了', '大家都很有意见', '已经拍了照片', '住户们都在群里说', '太影响生活了', '不知道该找谁', '附近还有学校', '老人小孩多'];
const FILLERS = ['那个', '就是', '这个', '然后', '的话'];
// Homophone slips of a phone keyboard (拼音输入法).
const TYPOS: readonly (readonly [string, string])[] = [
  ['的', '得'], ['在', '再'], ['垃圾', '拉圾'], ['已经', '以经'], ['噪音', '躁音'], ['电梯', '电体'], ['小区', '小曲'],
  ['处理', '处里'], ['物业', '物叶'], ['停车', '停着'], ['很', '狠'], ['晚上', '晚尚'], ['施工', '施公'], ['路灯', '路等'],
];

function fill(r: Random, template: string, objs: readonly string[] | undefined): string {
  return template.replace(/\{obj\}/g, () => (objs?.length ? r.pick(objs) : ''));
}

function sentenceEnd(r: Random): string {
  return r.weighted([['，', 5], ['。', 3], [' ', 2], ['！', 1], ['', 1]] as const);
}

/** One description of a case of `code`; throws on a code the generator does not know. */
export function caseText(r: Random, code: string): string {
  const c = P[code];
  if (!c) throw new Error(`no case texts for category ${code}`);
  const parts: string[] = [];
  const opener = r.pick(OPENERS);
  const when = r.pick(TIMES);
  const where = r.chance(0.85) ? place(r) : '';
  let what = fill(r, r.pick(c.what), c.obj);
  if (r.chance(0.15)) what = r.pick(FILLERS) + what;
  parts.push(`${opener}${when}${where ? (r.chance(0.5) ? where : where + (r.chance(0.5) ? '这边' : '')) : ''}${what}`);
  if (c.more && r.chance(0.5)) parts.push(r.pick(c.more));
  // Another category's words (a noisy site that is also dirty, parked cars by the rubbish …).
  if (r.chance(0.12)) {
    const other = P[r.pick(CASE_TEXT_CATEGORIES)]!;
    parts.push((r.chance(0.5) ? '还有' : '另外') + fill(r, r.pick(other.what), other.obj));
  }
  const duration = r.pick(DURATIONS);
  if (duration) parts.push(duration);
  const noise = r.pick(NOISE);
  if (noise) parts.push(noise);
  const ask = r.pick(ASKS);
  if (ask) parts.push(ask);
  let text = parts.map((p, i) => (i < parts.length - 1 ? p + sentenceEnd(r) : p)).join('').trim();
  if (r.chance(0.25)) {
    const [right, wrong] = r.pick(TYPOS);
    const at = text.indexOf(right);
    if (at >= 0) text = text.slice(0, at) + wrong + text.slice(at + right.length);
  }
  if (r.chance(0.1)) text = text.replace(/[，。！]/g, ' ');
  return text.slice(0, 2000) || what;
}

/** `n` (code, text) pairs with codes drawn from `weights` (code → relative frequency), seeded. */
export function caseTexts(seed: number, n: number, weights: Record<string, number> = Object.fromEntries(CASE_TEXT_CATEGORIES.map((c) => [c, 1]))): { code: string; text: string }[] {
  const r = new Random(seed);
  const choices = Object.entries(weights).filter(([, w]) => w > 0).map(([c, w]) => [c, w] as const);
  const out: { code: string; text: string }[] = [];
  for (let i = 0; i < n; i++) {
    const code = r.weighted(choices);
    out.push({ code, text: caseText(r, code) });
  }
  return out;
}

/**
 * How often each category comes up in an ordinary urban community (relative): the 城市八乱 and the
 * everyday nuisances far more than gas leaks or dangerous houses. A category not listed weighs 1.
 */
export const TYPICAL_CATEGORY_WEIGHTS: Readonly<Record<string, number>> = Object.fromEntries(CASE_TEXT_CATEGORIES.map((c) => [c, ({
  'eight_disorders.parking': 12, 'city_appearance.exposed_garbage': 10, 'safety_hazard.ebike_charging': 7, 'street_order.noise': 6,
  'property_service.repairs': 6, 'eight_disorders.stalls': 5, 'eight_disorders.debris': 5, 'construction.construction_noise': 5,
  'public_facility.street_light': 5, 'advertising.illegal_ads': 4, 'street_order.shopfront': 4, 'property_service.lift': 4,
  'dispute.neighbour': 4, 'safety_hazard.fire': 4, 'traffic_facility.road_damage': 3, 'sanitation.rubbish_sorting': 3,
  'public_facility.manhole_cover': 3, 'street_order.street_vending': 3, 'eight_disorders.wires': 3, 'livelihood.elderly_care': 2,
  'emergency.gas_leak': 0.5, 'housing_land.dangerous_house': 0.5, 'emergency.road_collapse': 0.5,
} as Record<string, number>)[c] ?? 1]));
