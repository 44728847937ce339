"""The demo's mix of cases: how often each source reports and at which hours, which classes they
report, how often the workflow's side roads are taken, and the texts people write. Shared by the
demo history (history.py) and the live simulator (simulator.py)."""
from __future__ import annotations

from datetime import time

SOURCES = {"inspector": 70.0, "hotline": 15.0, "citizen": 5.0, "open311": 3.0, "video": 5.0, "leader": 2.0}
PUBLIC = frozenset({"hotline", "citizen", "open311"})
COMPONENT_SHARE = {"inspector": 0.3, "hotline": 0.22, "citizen": 0.2, "open311": 0.2, "video": 0.0,
                   "leader": 0.15}
EVENT_WEIGHTS = {  # street order and city appearance dominate
    "0102": 18, "0507": 14, "0505": 12, "0504": 11, "0201": 10, "0104": 5, "0103": 4, "0506": 4,
    "0501": 3, "0108": 2, "0202": 2, "0203": 2, "0106": 2, "0511": 1.5, "0301": 1.5, "0510": 1,
    "0302": 1, "0101": 1, "0508": 1, "0513": 1, "0599": 1, "0503": 0.8, "0204": 0.8, "0404": 0.8,
    "0107": 0.6, "0109": 0.5, "0105": 0.3, "0402": 0.3, "0502": 0.3, "0509": 0.3, "0401": 0.15,
    "0403": 0.1, "0512": 0.1,
}
HOTLINE_BOOST = {"0301": 5, "0508": 5, "0404": 4, "0402": 4, "0302": 3, "0510": 3}  # what callers ring about
VIDEO_EVENTS = {"0505": 10, "0504": 9, "0501": 6, "0102": 6, "0507": 6, "0506": 3, "0510": 2, "0503": 1}
COMPONENT_WEIGHTS = {  # covers, lamps and bins first
    "0102": 9, "0103": 7, "0101": 6, "0104": 6, "0107": 3, "0114": 3, "0105": 2, "0111": 1.5, "0110": 1,
    "0118": 14, "0305": 12, "0209": 6, "0402": 4, "0203": 3, "0407": 3, "0210": 2, "0212": 2, "0117": 2,
    "0113": 1, "0213": 1, "0211": 1, "0307": 1, "0301": 1, "0406": 0.5, "0202": 0.5,
}
# Hour-of-day weights (local time) per source: patrols in working hours, callers into the evening.
_H_PATROL = [0, 0, 0, 0, 0, 0, 0, 2, 8, 12, 12, 9, 3, 4, 9, 11, 10, 6, 2, 0, 0, 0, 0, 0]
_H_HOTLINE = [.3, .2, .15, .15, .2, .4, 1, 2.5, 5, 8, 8, 7, 5, 5, 7, 7, 7, 6, 5, 5, 4, 3, 1.5, .7]
_H_CITIZEN = [.5, .3, .2, .1, .1, .3, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 6, 6, 5, 3, 1.5]
_H_VIDEO = [0, 0, 0, 0, 0, 0, 0, 1, 6, 8, 8, 7, 4, 4, 7, 8, 8, 7, 5, 3, 0, 0, 0, 0]
_H_LEADER = [0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 6, 4, 0, 0, 4, 6, 5, 2, 0, 0, 0, 0, 0, 0]
HOURS = {"inspector": _H_PATROL, "hotline": _H_HOTLINE, "citizen": _H_CITIZEN, "open311": _H_CITIZEN,
         "video": _H_VIDEO, "leader": _H_LEADER}
WORKDAY_FACTOR, RESTDAY_FACTOR = 1.1, 0.75  # a week averages 1.0
INSPECTOR_DUTY = (time(7, 0), time(22, 0))  # two patrol shifts
DEPT_HOURS = (time(8, 0), time(18, 0))  # departments fix things on working days (emergencies: any time)

# How often the side roads of the workflow are taken.
P = {
    "verify_public": 0.8,   # a public report is verified by an inspector first
    "not_found": 0.12,      # ... who does not find the problem
    "reject_public": 0.05, "reject_inspector": 0.02,  # 不予受理 (duplicates, outside the remit)
    "not_file": 0.02,       # 不予立案
    "return_to_filing": 0.01,
    "dept_return": 0.05,    # 部门退回 on a first dispatch (0.01 on a re-dispatch)
    "extension": 0.05, "extension_denied": 0.15,
    "suspension": 0.012, "suspension_denied": 0.15,
    "postponement": 0.01,   # 缓办 to a later date (approved), then handled against that date
    "late": 0.035,          # the department feeds back after the deadline
    "urge": 0.35,           # a leader urges a case running late
    "not_fixed": 0.04,      # the check finds it not fixed: rework
    "void": 0.003,          # a leader voids a case (duplicate found late)
    "staff_late": 0.012,    # a centre post acts after its stage limit
}
REASONS = {
    "reject": ["重复上报，已有案件在处理", "不属于城市管理范围", "位置不在城管责任区内", "信息不全，无法受理"],
    "not_found": ["现场核实未发现该问题", "问题已自行消除"],
    "not_file": ["不符合立案条件", "经核实属于私人产权，不予立案", "问题轻微，已现场劝导整改"],
    "return_to_filing": ["案件分类有误，请重新立案", "立案条件选择不当，请重新立案"],
    "dept_return": ["不属于本单位职责范围，请重新派遣", "该设施权属非本单位", "属地不符，请派至相应单位"],
    "extension": ["需采购材料，申请延期", "涉及多部门协调，申请延期", "天气原因无法施工，申请延期"],
    "suspension": ["需列入年度维修计划，申请挂账", "涉及产权纠纷，暂无法处置", "需专项资金，申请挂账"],
    "postponement": ["需待道路开挖许可，申请缓办", "需错开交通高峰施工，申请缓办", "材料到货后处置，申请缓办"],
    "deny": ["理由不充分，请按期处置", "请加快处置，不予批准"],
    "rework": ["核查未整改到位，返工", "现场仍存在问题，请重新处置"],
    "void": ["重复案件，强制作废", "经领导批示作废"],
    "urge": ["请加快处置进度", "该案件即将超期，请尽快处理", "领导督办，请优先处置"],
    "feedback": ["已处置完毕", "已按要求处置，现场已恢复", "已修复完毕", "已安排人员处理完毕"],
    "verify": ["现场核实属实", "已到现场核实，问题存在"],
    "check_ok": ["核查已整改到位", "现场核查，问题已解决"],
    "check_bad": ["核查未整改到位", "现场问题依旧存在"],
}
EVENT_TEXT = {
    "0102": ["{a}路边有暴露垃圾，约{n}平方米", "{a}垃圾桶旁散落生活垃圾"],
    "0103": ["{a}积存垃圾渣土未清运", "{a}建筑垃圾堆积"],
    "0104": ["{a}路面有油污、泥土", "{a}道路不洁，落叶杂物较多"],
    "0201": ["{a}墙面、电杆张贴非法小广告", "{a}配电箱上有小广告"],
    "0202": ["{a}违章悬挂广告横幅", "{a}商户违规设置广告牌匾"],
    "0501": ["{a}有流动摊贩占道经营", "{a}无照游商摆摊"],
    "0504": ["{a}商户出店经营，占用人行道", "{a}店外摆放商品和桌椅"],
    "0505": ["{a}机动车违停占用人行道", "{a}{n}辆机动车乱停放，影响通行"],
    "0506": ["{a}共享单车乱停放，堵塞盲道", "{a}非机动车乱停放"],
    "0507": ["{a}人行道上乱堆建筑材料", "{a}占道堆放杂物"],
    "0508": ["{a}商铺音响声音过大，扰民", "{a}商业促销噪音扰民"],
    "0510": ["{a}夜间露天烧烤，油烟扰民", "{a}占道露天烧烤"],
    "0301": ["{a}夜间施工噪音扰民", "{a}工地超时施工"],
    "0302": ["{a}工地未覆盖，扬尘严重", "{a}渣土车带泥上路，扬尘"],
    "0404": ["{a}下水道堵塞，污水外溢", "{a}雨水井破损，路面积水"],
    "0402": ["{a}自来水管破裂，路面冒水", "{a}供水管道漏水"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
CORRECTED_CLASS = {"0102": "0103", "0507": "0503", "0504": "0501", "0505": "0506", "0201": "0202",
                   "0103": "0102", "0501": "0504"}
