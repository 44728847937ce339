<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AcceptPanel</name>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="50" />
        <source>&amp;Merge into selected duplicate</source>
        <translation>合并到所选重复案卷(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="51" />
        <source>&amp;Accept</source>
        <translation>受理(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="52" />
        <source>Send &amp;verification</source>
        <translation>派发核实(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="53" />
        <source>&amp;Reject…</source>
        <translation>不予受理(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="55" />
        <source>Accept with the corrections (Alt+A, Ctrl+Enter)</source>
        <translation>按修正内容受理（Alt+A，Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="62" />
        <source>Corrections</source>
        <translation>修正</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="64" />
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="65" />
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="66" />
        <source>Likely duplicates (same class, open, nearby, recent)</source>
        <translation>疑似重复（同类、未结、附近、近期）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="100" />
        <source>&amp;Queue</source>
        <translation>待受理(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="101" />
        <source>&amp;Hotline 12319</source>
        <translation>热线 12319(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="130" />
        <source>&amp;Submit hotline report</source>
        <translation>提交热线上报(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="133" />
        <source>Caller &amp;name</source>
        <translation>来电人(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="133" />
        <source>&amp;Phone</source>
        <translation>电话(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="134" />
        <source>C&amp;lass</source>
        <translation>类别(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="134" />
        <source>Add&amp;ress</source>
        <translation>地址(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="135" />
        <source>Locat&amp;ion</source>
        <translation>位置(&amp;I)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="136" />
        <source>&amp;Description</source>
        <translation>问题描述(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="151" />
        <source>Choose the class of the report.</source>
        <translation>请选择上报的类别。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="154" />
        <source>Describe the problem.</source>
        <translation>请描述问题。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="157" />
        <source>Choose the place: pick it on the map, search an address or type coordinates.</source>
        <translation>请选择位置：在地图上点选、搜索地址或输入坐标。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="177" />
        <source>Reported as {number}.</source>
        <translation>已上报，编号 {number}。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="220" />
        <source>Reporter: {who}</source>
        <translation>上报人：{who}</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="238" />
        <source>photo…</source>
        <translation>照片…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="305" />
        <source>{number} is open in the accept panel: check the class and the place, then accept.</source>
        <translation>{number} 已在受理面板打开：请核对类别和位置后受理。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="313" />
        <source>{number} accepted.</source>
        <translation>{number} 已受理。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="320" />
        <source>{number} sent to an inspector for verification.</source>
        <translation>{number} 已派发监督员核实。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="328" />
        <source>Reject (不予受理)</source>
        <translation>不予受理</translation>
    </message>
    <message>
        <location filename="../../app/widgets/accept_panel.py" line="343" />
        <source>{a} merged into {b}.</source>
        <translation>{a} 已合并到 {b}。</translation>
    </message>
</context>
<context>
    <name>ActionDialog</name>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="149" />
        <location filename="../../app/widgets/case_actions.py" line="154" />
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="150" />
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="155" />
        <source>Filing condition</source>
        <translation>立案条件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="168" />
        <source>Extension</source>
        <translation>延期时长</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="176" />
        <source>Postpone until</source>
        <translation>缓办至</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="183" />
        <source>Close type</source>
        <translation>结案类型</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="190" />
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="193" />
        <source>Reason (required)</source>
        <translation>原因（必填）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="195" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="198" />
        <location filename="../../app/widgets/case_actions.py" line="200" />
        <source>Comment</source>
        <translation>意见</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="203" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="247" />
        <source>No filing condition for this class</source>
        <translation>该类别没有立案条件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="298" />
        <source>Please give a reason.</source>
        <translation>请填写原因。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="300" />
        <source>Please choose a department.</source>
        <translation>请选择处置部门。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="302" />
        <source>Please choose a filing condition.</source>
        <translation>请选择立案条件。</translation>
    </message>
</context>
<context>
    <name>AlarmBanner</name>
    <message>
        <location filename="../../app/widgets/alarm.py" line="99" />
        <source>Go to case</source>
        <translation>查看案卷</translation>
    </message>
    <message>
        <location filename="../../app/widgets/alarm.py" line="105" />
        <source>Dismiss</source>
        <translation>关闭提醒</translation>
    </message>
</context>
<context>
    <name>BasemapDialog</name>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="34" />
        <source>Add basemap</source>
        <translation>添加底图</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="37" />
        <source>XYZ tiles</source>
        <translation>XYZ 瓦片</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="37" />
        <source>OGC WMTS</source>
        <translation>OGC WMTS</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="37" />
        <source>Tianditu</source>
        <translation>天地图</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="38" />
        <location filename="../../app/widgets/basemap_dialog.py" line="69" />
        <source>MBTiles file</source>
        <translation>MBTiles 文件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="41" />
        <source>URL template, capabilities URL, Tianditu set (w or c) or file</source>
        <translation>URL 模板、能力文档地址、天地图矩阵集（w 或 c）或文件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="42" />
        <source>File…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="48" />
        <source>WMTS layer, or Tianditu vec / img / ter</source>
        <translation>WMTS 图层，或天地图 vec / img / ter</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="50" />
        <source>Key (Tianditu tk), if the service needs one</source>
        <translation>密钥（天地图 tk），服务需要时填写</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="55" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="56" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="57" />
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="58" />
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="78" />
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/basemap_dialog.py" line="88" />
        <source>This basemap cannot be used: %1</source>
        <translation>无法使用此底图：%1</translation>
    </message>
</context>
<context>
    <name>CameraBrowser</name>
    <message>
        <location filename="../../app/widgets/video_wall/camera_list.py" line="72" />
        <source>Camera: name, street, grid, pinyin initials</source>
        <translation>摄像机：名称、街道、网格、拼音首字母</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/camera_list.py" line="77" />
        <source>Cameras seeing the selected case</source>
        <translation>能看到所选案件的摄像机</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/camera_list.py" line="81" />
        <source>Put them on the wall</source>
        <translation>全部上墙</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/camera_list.py" line="98" />
        <source> (offline)</source>
        <translation>（离线）</translation>
    </message>
</context>
<context>
    <name>CaseDetail</name>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="75" />
        <source>Select a case to see its detail.</source>
        <translation>请选择案卷查看详情。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="98" />
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="99" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="100" />
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="101" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="102" />
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="105" />
        <source>Tasked inspector</source>
        <translation>派往监督员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="109" />
        <source>Actions</source>
        <translation>可办理操作</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="111" />
        <source>No action for your role at this stage.</source>
        <translation>当前环节您的岗位无可办理操作。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="121" />
        <source>Clock</source>
        <translation>计时</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="127" />
        <source>Stage</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="128" />
        <source>Deadline</source>
        <translation>截止时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="129" />
        <source>Remaining</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="130" />
        <source>Counters</source>
        <translation>计数</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="131" />
        <source>Request</source>
        <translation>申请</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="134" />
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="138" />
        <source>Before</source>
        <translation>处置前</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="139" />
        <source>After</source>
        <translation>处置后</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="142" />
        <source>Location</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="146" />
        <source>Show on map</source>
        <translation>地图定位</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="152" />
        <source>History</source>
        <translation>办理过程</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="155" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="155" />
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="155" />
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="155" />
        <source>Comment</source>
        <translation>意见</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="209" />
        <source>Cannot load the case: %1</source>
        <translation>无法加载案卷：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="228" />
        <source>urged</source>
        <translation>已督办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="236" />
        <source>Component</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="236" />
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="249" />
        <source>returns %1 · extensions %2 · reworks %3 · urges %4</source>
        <translation>退回 %1 · 延期 %2 · 返工 %3 · 督办 %4</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="264" />
        <source>Grid %1</source>
        <translation>网格 %1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="292" />
        <source>limit %1</source>
        <translation>时限 %1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="302" />
        <source>%1 photo(s)</source>
        <translation>%1 张照片</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_detail.py" line="398" />
        <source>No inspector could be tasked (none online, none for this grid): enter the answer for them or choose one.</source>
        <translation>未能派给监督员（无在线监督员，该网格也无责任监督员）：请代为填写结果或指定监督员。</translation>
    </message>
</context>
<context>
    <name>CaseTable</name>
    <message>
        <location filename="../../app/widgets/case_table.py" line="292" />
        <source>Filter: number, class, address, grid…</source>
        <translation>筛选：编号、类别、地址、网格…</translation>
    </message>
<message><source>Address / grid</source><translation>地址/网格</translation></message><message><source>Band</source><translation>灯</translation></message><message><source>Check failed</source><translation>核查未通过</translation></message><message><source>Check passed</source><translation>核查通过</translation></message><message><source>Checking</source><translation>核查中</translation></message><message><source>Citizen app</source><translation>市民APP</translation></message><message><source>Class</source><translation>类别</translation></message><message><source>Closed</source><translation>已结案</translation></message><message><source>Deadline</source><translation>截止时间</translation></message><message><source>Department</source><translation>处置部门</translation></message><message><source>Extension requested</source><translation>申请延期</translation></message><message><source>Handling</source><translation>处置中</translation></message><message><source>Hotline</source><translation>热线</translation></message><message><source>Inspector</source><translation>监督员</translation></message><message><source>Leader</source><translation>领导</translation></message><message><source>Media</source><translation>媒体曝光</translation></message><message><source>Number</source><translation>编号</translation></message><message><source>Open311</source><translation>Open311</translation></message><message><source>Pending check</source><translation>待核查</translation></message><message><source>Pending dispatch</source><translation>待派遣</translation></message><message><source>Pending filing</source><translation>待立案</translation></message><message><source>Postponed</source><translation>缓办</translation></message><message><source>Postponement requested</source><translation>申请缓办</translation></message><message><source>Remaining</source><translation>剩余时间</translation></message><message><source>Reported</source><translation>已上报</translation></message><message><source>Source</source><translation>来源</translation></message><message><source>State</source><translation>状态</translation></message><message><source>Suspended</source><translation>挂账</translation></message><message><source>Suspension requested</source><translation>申请挂账</translation></message><message><source>Verifying</source><translation>核实中</translation></message><message><source>Video patrol</source><translation>视频巡查</translation></message><message><source>Void</source><translation>已作废</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>postponed</source><translation>已缓办</translation></message><message><source>reported</source><translation>已上报</translation></message><message><source>suspended</source><translation>已挂账</translation></message><message><source>{d}d {h}h</source><translation>{d}天{h}时</translation></message><message><source>{n} calendar days</source><translation>{n} 自然日</translation></message><message><source>{n} urgent hours</source><translation>{n} 紧急工作时</translation></message><message><source>{n} work hours</source><translation>{n} 工作时</translation></message><message><source>{n} working days</source><translation>{n} 工作日</translation></message></context>
<context>
    <name>ClassPicker</name>
    <message>
        <location filename="../../app/widgets/class_picker.py" line="32" />
        <source>Major class</source>
        <translation>大类</translation>
    </message>
    <message>
        <location filename="../../app/widgets/class_picker.py" line="34" />
        <source>Search: 中文, code or pinyin initials</source>
        <translation>搜索：中文、编码或拼音首字母</translation>
    </message>
    <message>
        <location filename="../../app/widgets/class_picker.py" line="58" />
        <source>All classes</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/class_picker.py" line="71" />
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/class_picker.py" line="71" />
        <source>Component</source>
        <translation>部件</translation>
    </message>
</context>
<context>
    <name>DemoStartup</name>
    <message>
        <location filename="../../app/widgets/startup.py" line="26" />
        <source>OpenCityCommand — starting the demo</source>
        <translation>OpenCityCommand — 正在启动演示</translation>
    </message>
    <message>
        <location filename="../../app/widgets/startup.py" line="27" />
        <source>Starting the demo city's server…</source>
        <translation>正在启动演示城市服务器…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/startup.py" line="50" />
        <source>%1 s · %2</source>
        <translation>%1 秒 · %2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/startup.py" line="85" />
        <source>Demo history: %1 of %2 cases written (the cases appear when it is done)</source>
        <translation>演示历史：已写入 %1 / %2 个案卷（完成后案卷即显示）</translation>
    </message>
</context>
<context>
    <name>DepartmentPanel</name>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="111" />
        <source>Handling</source>
        <translation>处置中</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="111" />
        <source>Returned for rework</source>
        <translation>返工</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="112" />
        <source>Postponed (缓办)</source>
        <translation>缓办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="113" />
        <source>Fed back</source>
        <translation>已反馈</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="113" />
        <source>Hung up (挂账)</source>
        <translation>挂账</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="150" />
        <source>Supervision</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="155" />
        <source>Select a case.</source>
        <translation>请选择案卷。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="193" />
        <source>Cannot load cases: %1</source>
        <translation>无法加载案卷：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="262" />
        <source>Deadline: %1</source>
        <translation>截止时间：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="270" />
        <source>Request: %1</source>
        <translation>申请：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="276" />
        <source>Last request: %1</source>
        <translation>最近申请：%1</translation>
    </message>
</context>
<context>
    <name>DeptModel</name>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="54" />
        <source>Case</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="54" />
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="54" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="54" />
        <source>Remaining</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/department_panel.py" line="54" />
        <source>Request</source>
        <translation>申请</translation>
    </message>
</context>
<context>
    <name>DeptUrgeList</name>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="45" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="45" />
        <source>Case</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="45" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="45" />
        <source>Message</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="46" />
        <source>Reply by</source>
        <translation>答复期限</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="46" />
        <source>Our reply</source>
        <translation>我方答复</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="56" />
        <source>Our answer: what is being done and by when</source>
        <translation>我方答复：正在如何处理、何时完成</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="58" />
        <source>&amp;Reply</source>
        <translation>答复(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="83" />
        <source>Cannot load the urges: %1</source>
        <translation>无法加载督办记录：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="92" />
        <source>not answered</source>
        <translation>未答复</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="103" />
        <source>Supervision (%1)</source>
        <translation>督办（%1）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="104" />
        <source>Supervision</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="139" />
        <source>%1 (%2): case %3 — %4</source>
        <translation>%1（%2）：案卷 %3 — %4</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="143" />
        <source>reply by %1</source>
        <translation>%1前答复</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="155" />
        <source>Write the answer first.</source>
        <translation>请先填写答复。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="158" />
        <source>The answer is too long (at most %1 characters).</source>
        <translation>答复过长（最多%1字）。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="169" />
        <source>Answered: case %1.</source>
        <translation>已答复：案卷 %1。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dept.py" line="175" />
        <source>Not answered: %1</source>
        <translation>未能答复：%1</translation>
    </message>
</context>
<context>
    <name>DeviceDialog</name>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="21" />
        <source>Inspectors' phones</source>
        <translation>监督员终端</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="25" />
        <location filename="../../app/widgets/device_dialog.py" line="56" />
        <source>Device ID</source>
        <translation>设备号</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="25" />
        <location filename="../../app/widgets/device_dialog.py" line="55" />
        <source>Inspector</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="25" />
        <location filename="../../app/widgets/device_dialog.py" line="57" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="26" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="26" />
        <source>Registered</source>
        <translation>登记时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="36" />
        <source>What the phone sends as its device ID (e.g. its IMEI)</source>
        <translation>手机上报的设备号（例如 IMEI）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="38" />
        <source>Optional, e.g. the phone's asset number</source>
        <translation>可选，例如手机的资产编号</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="39" />
        <source>&amp;Register and issue a secret</source>
        <translation>登记并生成密钥(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="41" />
        <source>Re&amp;voke selected phone</source>
        <translation>停用所选终端(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="47" />
        <source>The secret appears here once, after registering</source>
        <translation>登记后密钥在此显示一次</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="58" />
        <source>Secret</source>
        <translation>密钥</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="59" />
        <source>Phone URL</source>
        <translation>终端上报地址</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="100" />
        <source>revoked</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="101" />
        <source>active</source>
        <translation>启用</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="101" />
        <source>needs a secret: register again</source>
        <translation>缺少密钥：请重新登记</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="106" />
        <source>The server refused: %1</source>
        <translation>服务器拒绝：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="121" />
        <source>Choose an inspector and type the phone's device ID.</source>
        <translation>请选择监督员并输入手机的设备号。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="126" />
        <source>Registering…</source>
        <translation>正在登记…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="135" />
        <source>Phone %1 registered. Its secret is shown only now: enter the URL in the phone's OsmAnd or Traccar Client.</source>
        <translation>终端 %1 已登记。密钥仅显示这一次：请把地址填入手机的 OsmAnd 或 Traccar Client。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/device_dialog.py" line="148" />
        <source>Phone %1 revoked: its positions are refused from now on.</source>
        <translation>终端 %1 已停用：此后其上报的位置一律拒收。</translation>
    </message>
</context>
<context>
    <name>DispatchPanel</name>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="72" />
        <source>&amp;Dispatch</source>
        <translation>派遣(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="74" />
        <source>&amp;Batch dispatch selected</source>
        <translation>批量派遣所选(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="75" />
        <source>Re&amp;turn to filing…</source>
        <translation>回退立案(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="83" />
        <source>D&amp;epartment (suggested first):</source>
        <translation>处置部门（建议优先）(&amp;E)：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="107" />
        <source>A&amp;pprove</source>
        <translation>批准(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="108" />
        <source>Den&amp;y…</source>
        <translation>驳回(&amp;Y)…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="109" />
        <source>Res&amp;ume handling</source>
        <translation>恢复处置(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="130" />
        <source>Send chec&amp;k</source>
        <translation>派发核查(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="131" />
        <source>Re&amp;work…</source>
        <translation>返工(&amp;W)…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="135" />
        <source>&amp;Close case</source>
        <translation>结案(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="145" />
        <source>Close t&amp;ype:</source>
        <translation>结案类型(&amp;Y)：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="156" />
        <source>Waiting for dispatch</source>
        <translation>待派遣</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="177" />
        <source>&amp;Requests ({n})</source>
        <translation>申请审批 ({n})(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="178" />
        <source>&amp;Fed back ({n})</source>
        <translation>已反馈 ({n})(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="250" />
        <source>Suggested: {reason}</source>
        <translation>建议理由：{reason}</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="258" />
        <source>Deadline: …</source>
        <translation>处置时限：…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="263" />
        <source>Deadline if dispatched now: {t} ({limit})</source>
        <translation>现在派遣的处置时限：{t}（{limit}）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="279" />
        <source>{number} dispatched to {dept}.</source>
        <translation>{number} 已派遣至{dept}。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="291" />
        <source>{n} cases dispatched to {dept}.</source>
        <translation>{n} 件案卷已派遣至{dept}。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="302" />
        <source>Return to filing</source>
        <translation>回退立案</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="302" />
        <source>Why is it returned (e.g. wrong class)?</source>
        <translation>回退原因（如类别错误）？</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="313" />
        <source>{number} is hung up (挂账): out of the active count, no clock runs until it is resumed.</source>
        <translation>{number} 已挂账：不计入在办案件，恢复处置前不计时。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="316" />
        <source>{number} is postponed (缓办) to {date}; the department feeds back by then.</source>
        <translation>{number} 已缓办至 {date}；部门须在此前反馈。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="321" />
        <source>Extension</source>
        <translation>延期时长</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="321" />
        <source>Postponement (缓办)</source>
        <translation>缓办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="322" />
        <source>Suspension</source>
        <translation>挂账</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="325" />
        <source>until {date}</source>
        <translation>至 {date}</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="336" />
        <source>{number}: request approved.</source>
        <translation>{number}：申请已批准。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="344" />
        <source>Deny the request</source>
        <translation>驳回申请</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="358" />
        <source>{number} sent to an inspector for checking.</source>
        <translation>{number} 已派发监督员核查。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="366" />
        <source>Rework (返工)</source>
        <translation>返工</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="366" />
        <source>What is not fixed?</source>
        <translation>哪些问题未处理好？</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="375" />
        <source>{number} closed.</source>
        <translation>{number} 已结案。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="399" />
        <source>reworked {n}×</source>
        <translation>返工 {n} 次</translation>
    </message>
</context>
<context>
    <name>EvaluationMap</name>
    <message>
        <location filename="../../app/widgets/evaluation_map.py" line="60" />
        <location filename="../../app/widgets/evaluation_map.py" line="115" />
        <source>All classes</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_map.py" line="64" />
        <source>Show on the main map</source>
        <translation>在主地图显示</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_map.py" line="69" />
        <source>Class:</source>
        <translation>类别：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_map.py" line="104" />
        <source>Cases per unit grid</source>
        <translation>网格案件分布</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_map.py" line="124" />
        <source>%1 cases in %2 grids</source>
        <translation>%1 件，分布于 %2 个网格</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_map.py" line="132" />
        <source>Cases</source>
        <translation>案件</translation>
    </message>
</context>
<context>
    <name>EvaluationWindow</name>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="47" />
        <source>Evaluation (综合评价)</source>
        <translation>综合评价</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="56" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="58" />
        <source>Export XLSX…</source>
        <translation>导出 XLSX…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="60" />
        <source>Export PDF report…</source>
        <translation>导出 PDF 报告…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="73" />
        <source>Double-click a department to list its late cases</source>
        <translation>双击部门查看其超期案件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="77" />
        <source>Inspectors</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="77" />
        <source>Acceptors</source>
        <translation>受理员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="77" />
        <source>Dispatchers</source>
        <translation>派遣员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="78" />
        <source>Shift leaders</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="83" />
        <source>Districts</source>
        <translation>区县</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="84" />
        <source>Streets</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="86" />
        <source>Departments</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="87" />
        <source>Post:</source>
        <translation>岗位：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="87" />
        <source>Posts</source>
        <translation>岗位</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="88" />
        <source>Level:</source>
        <translation>层级：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="88" />
        <source>Regions</source>
        <translation>区域</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="142" />
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="170" />
        <source>Could not load the evaluation: %1</source>
        <translation>无法加载综合评价：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="196" />
        <source>%1 — as of %2</source>
        <translation>%1 — 截至 %2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="228" />
        <source>Evaluation %1</source>
        <translation>综合评价 %1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="232" />
        <source>Export XLSX</source>
        <translation>导出 XLSX</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="242" />
        <source>Export PDF report</source>
        <translation>导出 PDF 报告</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="249" />
        <source>Period %1; figures as of %2</source>
        <translation>考核周期 %1；数据截至 %2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="259" />
        <source>Saved %1</source>
        <translation>已保存：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="264" />
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_window.py" line="264" />
        <source>Could not save: %1</source>
        <translation>保存失败：%1</translation>
    </message>
</context>
<context>
    <name>FilePanel</name>
    <message>
        <location filename="../../app/widgets/file_panel.py" line="37" />
        <source>&amp;File with this condition</source>
        <translation>按此条件立案(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/file_panel.py" line="39" />
        <source>Do &amp;not file…</source>
        <translation>不予立案(&amp;N)…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/file_panel.py" line="43" />
        <source>Filing condition (time limit — condition → closing condition)</source>
        <translation>立案条件（时限 — 立案条件 → 结案条件）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/file_panel.py" line="45" />
        <source>&amp;Conditions:</source>
        <translation>立案条件(&amp;C)：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/file_panel.py" line="111" />
        <source>No filing conditions for this class.</source>
        <translation>该类别没有立案条件。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/file_panel.py" line="125" />
        <source>Deadline if filed now: …</source>
        <translation>现在立案的处置时限：…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/file_panel.py" line="129" />
        <source>Deadline if filed and dispatched now: {t}</source>
        <translation>现在立案并派遣的处置时限：{t}</translation>
    </message>
    <message>
        <location filename="../../app/widgets/file_panel.py" line="157" />
        <source>{number} filed.</source>
        <translation>{number} 已立案。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/file_panel.py" line="164" />
        <source>Do not file (不予立案)</source>
        <translation>不予立案</translation>
    </message>
</context>
<context>
    <name>FlowPanel</name>
    <message>
        <location filename="../../app/widgets/flow_panel.py" line="209" />
        <source>Cannot reach the server; nothing was lost, try again.</source>
        <translation>无法连接服务器；已填内容未丢失，请重试。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/flow_panel.py" line="211" />
        <source>Not yet: the inspector's check must pass first (核查通过).</source>
        <translation>暂不能办理：须先经监督员核查通过。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/flow_panel.py" line="213" />
        <source>This case was changed by someone else (now: {state}); the list is refreshed.</source>
        <translation>该案卷已被他人处理（现为：{state}）；列表已刷新。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/flow_panel.py" line="214" />
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location filename="../../app/widgets/flow_panel.py" line="216" />
        <source>Your role may not do this: {msg}</source>
        <translation>您的角色无权执行此操作：{msg}</translation>
    </message>
    <message>
        <location filename="../../app/widgets/flow_panel.py" line="218" />
        <source>Unexpected error: {msg}</source>
        <translation>意外错误：{msg}</translation>
    </message>
    <message>
        <location filename="../../app/widgets/flow_panel.py" line="290" />
        <source>The server is not answering: “{what}” waits in the outbox and goes out when it is back.</source>
        <translation>服务器无响应：“{what}”已放入待发件箱，服务器恢复后自动发送。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/flow_panel.py" line="327" />
        <source>Reason (required):</source>
        <translation>原因（必填）：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="403" />
        <source>{action} case {number}? This cannot be undone.</source>
        <translation>确定{action}案卷 {number}？此操作不可撤销。</translation>
    </message>
<message><source>Acceptor</source><translation>受理员</translation></message><message><source>Administrator</source><translation>管理员</translation></message><message><source>Choose photos</source><translation>选择照片</translation></message><message><source>Choose photos…</source><translation>选择照片…</translation></message><message><source>Close type</source><translation>结案类型</translation></message><message><source>Comment</source><translation>意见</translation></message><message><source>Confirmed</source><translation>属实</translation></message><message><source>Department</source><translation>处置部门</translation></message><message><source>Dispatcher</source><translation>派遣员</translation></message><message><source>Error</source><translation>错误结案</translation></message><message><source>Extension</source><translation>延期时长</translation></message><message><source>Filing condition</source><translation>立案条件</translation></message><message><source>Fixed</source><translation>已处置</translation></message><message><source>Images (*.jpg *.jpeg *.png *.webp)</source><translation>图片 (*.jpg *.jpeg *.png *.webp)</translation></message><message><source>Inspector</source><translation>监督员</translation></message><message><source>Leader</source><translation>领导</translation></message><message><source>Loading…</source><translation>加载中…</translation></message><message><source>No filing condition for this class</source><translation>该类别没有立案条件</translation></message><message><source>No photos chosen</source><translation>未选择照片</translation></message><message><source>Normal</source><translation>正常结案</translation></message><message><source>Not fixed</source><translation>未处置</translation></message><message><source>Not found</source><translation>未发现</translation></message><message><source>Overdue</source><translation>超期结案</translation></message><message><source>Photos</source><translation>照片</translation></message><message><source>Please choose a department.</source><translation>请选择处置部门。</translation></message><message><source>Please choose a filing condition.</source><translation>请选择立案条件。</translation></message><message><source>Please give a reason.</source><translation>请填写原因。</translation></message><message><source>Postpone until</source><translation>缓办至</translation></message><message><source>Reason</source><translation>原因</translation></message><message><source>Reason (required)</source><translation>原因（必填）</translation></message><message><source>Result</source><translation>结果</translation></message><message><source>Shift leader</source><translation>值班长</translation></message><message><source>Special</source><translation>特殊结案</translation></message><message><source>The case has changed (someone may have acted first): %1</source><translation>案卷已变化（可能已有他人办理）：%1</translation></message><message><source>The server cannot be reached. Nothing was lost: try again.</source><translation>无法连接服务器。已填写内容未丢失，请重试。</translation></message><message><source>The server is still working on this action: it will be sent again, once.</source><translation>服务器仍在处理此操作：将以同一标识重发，只办理一次。</translation></message><message><source>Your role may not do this: %1</source><translation>您的岗位无权办理：%1</translation></message></context>
<context>
    <name>IdentifyPanel</name>
    <message>
        <location filename="../../app/widgets/identify_panel.py" line="71" />
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <location filename="../../app/widgets/identify_panel.py" line="71" />
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../../app/widgets/identify_panel.py" line="85" />
        <source>Nothing here</source>
        <translation>此处无要素</translation>
    </message>
</context>
<context>
    <name>InspectorPanel</name>
    <message>
        <location filename="../../app/widgets/inspector_panel.py" line="44" />
        <location filename="../../app/widgets/inspector_panel.py" line="106" />
        <source>&amp;Answer the task…</source>
        <translation>答复任务(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/inspector_panel.py" line="45" />
        <source>Verification: is the problem there? Check: was it fixed? With a comment and photos</source>
        <translation>核实：问题是否属实？核查：是否已处置？可附意见和照片</translation>
    </message>
    <message>
        <location filename="../../app/widgets/inspector_panel.py" line="97" />
        <source>To verify: %1 · To check: %2</source>
        <translation>待核实：%1 · 待核查：%2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/inspector_panel.py" line="102" />
        <source>&amp;Answer the verification…</source>
        <translation>答复核实(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/inspector_panel.py" line="104" />
        <source>&amp;Answer the check…</source>
        <translation>答复核查(&amp;A)…</translation>
    </message>
</context>
<context>
    <name>LateCasesDialog</name>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="25" />
        <source>Late cases — %1 — %2</source>
        <translation>超期案件 — %1 — %2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="27" />
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="36" />
        <source>Double-click a case to open it in the main window.</source>
        <translation>双击案件可在主窗口中打开。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="42" />
        <source>Could not load the late cases: %1</source>
        <translation>无法加载超期案件：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="46" />
        <source>%1 cases handled late or overdue unhandled (as of %2)</source>
        <translation>%1 件按期未处置或超期未处置（截至 %2）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="49" />
        <source>Case number</source>
        <translation>案卷号</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="49" />
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="49" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="49" />
        <source>Reported</source>
        <translation>已上报</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="50" />
        <source>Deadline</source>
        <translation>截止时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="50" />
        <source>Reworks</source>
        <translation>返工次数</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_drill.py" line="50" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
</context>
<context>
    <name>LayerPanel</name>
    <message>
        <location filename="../../app/widgets/layer_panel.py" line="28" />
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location filename="../../app/widgets/layer_panel.py" line="29" />
        <source>Style</source>
        <translation>样式</translation>
    </message>
    <message>
        <location filename="../../app/widgets/layer_panel.py" line="30" />
        <source>Tick to show, drag to reorder (top is drawn last).</source>
        <translation>勾选显示，拖动调整顺序（上方的图层绘制在最上面）。</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="18" />
        <source>Log in — OpenCityCommand</source>
        <translation>登录 — 开源数字城管指挥</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="29" />
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="30" />
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="31" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="33" />
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="36" />
        <source>Digital urban management command centre</source>
        <translation>数字化城市管理指挥中心</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="47" />
        <source>Logging in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="61" />
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="63" />
        <source>This account is locked after repeated failed logins. Ask an administrator to unlock it.</source>
        <translation>此账号因多次登录失败已被锁定，请联系管理员解锁。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="66" />
        <source>Too many failed logins. Wait a minute and try again.</source>
        <translation>登录失败次数过多，请稍候一分钟再试。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/login_dialog.py" line="68" />
        <source>Cannot reach the server. Check the address and that it is running.</source>
        <translation>无法连接服务器，请检查地址并确认服务器正在运行。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/widgets/main_window.py" line="50" />
        <source>OpenCityCommand — %1 — %2</source>
        <translation>OpenCityCommand 数字城管指挥中心 — %1 — %2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="56" />
        <source>Selection</source>
        <translation>选择集</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="58" />
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="58" />
        <source>Unit grids</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="59" />
        <source>Responsibility grids</source>
        <translation>责任网格</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="59" />
        <source>Components</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="60" />
        <source>Cases</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="60" />
        <source>Inspectors</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="60" />
        <source>Cameras</source>
        <translation>视频监控</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="70" />
        <source>Loading the city…</source>
        <translation>正在加载城区…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="118" />
        <source>Sent from the outbox: %1</source>
        <translation>已从待发件箱发送：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="129" />
        <source>Not done: %1 — %2</source>
        <translation>未办理：%1 — %2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="131" />
        <source>Outbox</source>
        <translation>待发件箱</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="142" />
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="145" />
        <source>Inspector</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="145" />
        <source>Acceptor</source>
        <translation>受理员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="146" />
        <source>Shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="146" />
        <source>Dispatcher</source>
        <translation>派遣员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="147" />
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="147" />
        <source>Leader</source>
        <translation>领导</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="147" />
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="160" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="167" />
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="168" />
        <location filename="../../app/widgets/main_window.py" line="348" />
        <source>Identify</source>
        <translation>识别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="170" />
        <source>Night (dark window and basemap)</source>
        <translation>夜间模式（深色界面和底图）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="174" />
        <source>Add basemap…</source>
        <translation>添加底图…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="176" />
        <source>Reset layout</source>
        <translation>重置布局</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="179" />
        <source>&amp;Administration</source>
        <translation>系统管理(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="180" />
        <source>Inspectors' phones…</source>
        <translation>监督员终端…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="198" />
        <source>Accept (受理)</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="199" />
        <source>File (立案)</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="200" />
        <source>Dispatch (派遣)</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="202" />
        <source>Our cases</source>
        <translation>本部门案卷</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="204" />
        <source>My tasks</source>
        <translation>我的任务</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="205" />
        <source>Timing (计时)</source>
        <translation>计时</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="206" />
        <source>Case detail</source>
        <translation>案卷详情</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="208" />
        <source>Track playback (轨迹回放)</source>
        <translation>轨迹回放</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="209" />
        <source>Video wall (视频墙)</source>
        <translation>视频墙</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="210" />
        <source>Supervision (督查督办)</source>
        <translation>督查督办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="295" />
        <source>Click the place on the map, or drag the pin</source>
        <translation>在地图上点击位置，或拖动定位针</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="317" />
        <source>Track playback</source>
        <translation>轨迹回放</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="336" />
        <source>Map tools</source>
        <translation>地图工具</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="347" />
        <source>Pan</source>
        <translation>平移</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="349" />
        <source>Measure distance</source>
        <translation>量测距离</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="350" />
        <source>Measure area</source>
        <translation>量测面积</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="351" />
        <source>Select by rectangle</source>
        <translation>框选</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="360" />
        <source>Whole city</source>
        <translation>全城</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="363" />
        <source>1:500</source>
        <translation>1:500</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="392" />
        <source>Server: %1</source>
        <translation>服务器：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="400" />
        <source>Vector basemap (server tiles unavailable: %1)</source>
        <translation>矢量底图（服务器瓦片不可用：%1）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="405" />
        <source>City loaded: %1 unit grids, %2 components</source>
        <translation>城区已加载：%1 个单元网格，%2 个部件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="414" />
        <source>Vector basemap (the server has no QGIS basemap)</source>
        <translation>矢量底图（服务器没有 QGIS 底图）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="421" />
        <source>QGIS basemap</source>
        <translation>QGIS 底图</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="425" />
        <location filename="../../app/widgets/main_window.py" line="460" />
        <source>QGIS basemap from the server</source>
        <translation>服务器 QGIS 底图</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="472" />
        <source>%1 features selected</source>
        <translation>已选中 %1 个要素</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="369" />
        <source>Nothing found for “%1”</source>
        <translation>未找到“%1”</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="493" />
        <source>Case details</source>
        <translation>案件详情</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="494" />
        <source>Zoom to case</source>
        <translation>缩放到案件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="495" />
        <source>Nearest cameras</source>
        <translation>最近的摄像头</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="497" />
        <source>Nearest inspectors</source>
        <translation>最近的监督员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="515" />
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../app/widgets/main_window.py" line="518" />
        <source>Nearest</source>
        <translation>最近</translation>
    </message>
</context>
<context>
    <name>MapSearch</name>
    <message>
        <location filename="../../app/widgets/map_search.py" line="31" />
        <source>Search: grid code, component ID, case number, street, place (pinyin initials too)</source>
        <translation>搜索：网格编码、部件标识码、案卷号、街道、地名（支持拼音首字母）</translation>
    </message>
</context>
<context>
    <name>MapStatusBar</name>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="25" />
        <source>Map scale: choose or type 1:N</source>
        <translation>地图比例尺：选择或输入 1:N</translation>
    </message>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="42" />
        <source>Scale</source>
        <translation>比例尺</translation>
    </message>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="53" />
        <source>Lon %1  Lat %2   |   X %3  Y %4 m</source>
        <translation>经度 %1  纬度 %2   |   X %3  Y %4 米</translation>
    </message>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="62" />
        <source>● Live</source>
        <translation>● 实时</translation>
    </message>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="64" />
        <source>Connected to the server's live event stream</source>
        <translation>已连接服务器实时事件流</translation>
    </message>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="66" />
        <source>● Offline</source>
        <translation>● 离线</translation>
    </message>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="68" />
        <source>Not connected to the server's live events</source>
        <translation>未连接服务器实时事件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="72" />
        <source>Outbox: %1</source>
        <translation>待发：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="75" />
        <source>Actions waiting for the server; they go out by themselves when it answers again. Click for the list.</source>
        <translation>等待服务器的操作；服务器恢复后自动发送。点击查看列表。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/status_bar.py" line="83" />
        <source>⚠ Server not answering</source>
        <translation>⚠ 服务器无响应</translation>
    </message>
</context>
<context>
    <name>OutboxDialog</name>
    <message>
        <location filename="../../app/widgets/outbox_dialog.py" line="14" />
        <source>Outbox</source>
        <translation>待发件箱</translation>
    </message>
    <message>
        <location filename="../../app/widgets/outbox_dialog.py" line="18" />
        <source>Send now</source>
        <translation>立即发送</translation>
    </message>
    <message>
        <location filename="../../app/widgets/outbox_dialog.py" line="23" />
        <source>Waiting for the server (sent in this order, each with its own key):</source>
        <translation>等待服务器（按此顺序发送，各带唯一标识）：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/outbox_dialog.py" line="26" />
        <source>Refused by the server when it answered:</source>
        <translation>服务器恢复后拒绝办理的操作：</translation>
    </message>
</context>
<context>
    <name>PeriodPicker</name>
    <message>
        <location filename="../../app/widgets/evaluation_period.py" line="30" />
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_period.py" line="31" />
        <source>Quarter</source>
        <translation>季度</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_period.py" line="32" />
        <source>Custom range</source>
        <translation>自定义</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_period.py" line="41" />
        <source>Q%1</source>
        <translation>第%1季度</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_period.py" line="49" />
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../app/widgets/evaluation_period.py" line="59" />
        <source>Period:</source>
        <translation>考核周期：</translation>
    </message>
</context>
<context>
    <name>PhotoPicker</name>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="115" />
        <location filename="../../app/widgets/case_actions.py" line="131" />
        <source>No photos chosen</source>
        <translation>未选择照片</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="116" />
        <source>Choose photos…</source>
        <translation>选择照片…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="124" />
        <source>Choose photos</source>
        <translation>选择照片</translation>
    </message>
    <message>
        <location filename="../../app/widgets/case_actions.py" line="125" />
        <source>Images (*.jpg *.jpeg *.png *.webp)</source>
        <translation>图片 (*.jpg *.jpeg *.png *.webp)</translation>
    </message>
</context>
<context>
    <name>PhotoStrip</name>
    <message>
        <location filename="../../app/widgets/photo_strip.py" line="54" />
        <source>No photos</source>
        <translation>无照片</translation>
    </message>
    <message>
        <location filename="../../app/widgets/photo_strip.py" line="119" />
        <source>?</source>
        <translation>？</translation>
    </message>
</context>
<context>
    <name>PhotoViewer</name>
    <message>
        <location filename="../../app/widgets/photo_strip.py" line="29" />
        <source>Photo</source>
        <translation>照片</translation>
    </message>
</context>
<context>
    <name>PlaceEditor</name>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="133" />
        <source>Search an address, road, place or community (pinyin initials too)</source>
        <translation>搜索地址、道路、地点、街道或社区（支持拼音首字母）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="143" />
        <source>Pick on map</source>
        <translation>地图选点</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="144" />
        <source>Click the place on the map, or drag the pin</source>
        <translation>在地图上点击位置，或拖动定位针</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="148" />
        <source>or longitude, latitude, e.g. 115.8505, 28.6805</source>
        <translation>或输入经度, 纬度，如 115.8505, 28.6805</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="150" />
        <location filename="../../app/widgets/place_picker.py" line="182" />
        <source>No place chosen yet</source>
        <translation>尚未选择位置</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="166" />
        <location filename="../../app/widgets/place_picker.py" line="185" />
        <location filename="../../app/widgets/place_picker.py" line="262" />
        <source>No component linked</source>
        <translation>不关联部件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="201" />
        <source>Not coordinates: type longitude, latitude in degrees, e.g. 115.8505, 28.6805</source>
        <translation>不是有效坐标：请输入经度, 纬度（度），如 115.8505, 28.6805</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="218" />
        <source>Nothing found for “%1”</source>
        <translation>未找到“%1”</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="244" />
        <source>Grid {grid} · {street} · {community}</source>
        <translation>网格 {grid} · {street} · {community}</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="249" />
        <source>Outside every unit grid of the city: choose a place inside the city</source>
        <translation>不在本市任何单元网格内：请选择市内的位置</translation>
    </message>
    <message>
        <location filename="../../app/widgets/place_picker.py" line="255" />
        <source>Grid lookup failed: {msg}</source>
        <translation>网格查询失败：{msg}</translation>
    </message>
</context>
<context>
    <name>Suggestion</name>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="24" />
        <source>component owner</source>
        <translation>部件权属单位</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="25" />
        <source>component maintainer</source>
        <translation>部件养护单位</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="26" />
        <source>competent authority</source>
        <translation>主管部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="27" />
        <source>responsibility matrix</source>
        <translation>职责清单</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="28" />
        <source>locality</source>
        <translation>属地</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="32" />
        <source>owns the component (owner first, then locality)</source>
        <translation>部件权属单位（先属主后属地）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="33" />
        <source>maintains the component</source>
        <translation>部件养护单位</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="34" />
        <source>competent authority of the component</source>
        <translation>部件主管部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="35" />
        <source>responsible for this class in the city's responsibility matrix</source>
        <translation>本市职责矩阵中负责该类别的部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/dispatch_panel.py" line="37" />
        <source>street office of the street where the problem is (locality first for events)</source>
        <translation>问题所在街道的街道办事处（事件先属地后属主）</translation>
    </message>
<message><source>&amp;Batch dispatch selected</source><translation>批量派遣所选(&amp;B)</translation></message><message><source>&amp;Close case</source><translation>结案(&amp;C)</translation></message><message><source>&amp;Dispatch</source><translation>派遣(&amp;D)</translation></message><message><source>&amp;Fed back ({n})</source><translation>已反馈 ({n})(&amp;F)</translation></message><message><source>&amp;Requests ({n})</source><translation>申请审批 ({n})(&amp;R)</translation></message><message><source>A&amp;pprove</source><translation>批准(&amp;P)</translation></message><message><source>Close t&amp;ype:</source><translation>结案类型(&amp;Y)：</translation></message><message><source>D&amp;epartment (suggested first):</source><translation>处置部门（建议优先）(&amp;E)：</translation></message><message><source>Deadline if dispatched now: {t} ({limit})</source><translation>现在派遣的处置时限：{t}（{limit}）</translation></message><message><source>Deadline: …</source><translation>处置时限：…</translation></message><message><source>Den&amp;y…</source><translation>驳回(&amp;Y)…</translation></message><message><source>Deny the request</source><translation>驳回申请</translation></message><message><source>Error (false report)</source><translation>误报结案</translation></message><message><source>Extension</source><translation>延期时长</translation></message><message><source>Normal</source><translation>正常结案</translation></message><message><source>Overdue</source><translation>超期结案</translation></message><message><source>Postponement (缓办)</source><translation>缓办</translation></message><message><source>Re&amp;turn to filing…</source><translation>回退立案(&amp;T)…</translation></message><message><source>Re&amp;work…</source><translation>返工(&amp;W)…</translation></message><message><source>Res&amp;ume handling</source><translation>恢复处置(&amp;U)</translation></message><message><source>Return to filing</source><translation>回退立案</translation></message><message><source>Rework (返工)</source><translation>返工</translation></message><message><source>Send chec&amp;k</source><translation>派发核查(&amp;K)</translation></message><message><source>Special</source><translation>特殊结案</translation></message><message><source>Suggested: {reason}</source><translation>建议理由：{reason}</translation></message><message><source>Suspension</source><translation>挂账</translation></message><message><source>Waiting for dispatch</source><translation>待派遣</translation></message><message><source>What is not fixed?</source><translation>哪些问题未处理好？</translation></message><message><source>Why is it returned (e.g. wrong class)?</source><translation>回退原因（如类别错误）？</translation></message><message><source>authority</source><translation>主管部门</translation></message><message><source>maintainer</source><translation>养护单位</translation></message><message><source>owner</source><translation>权属单位</translation></message><message><source>postponed</source><translation>已缓办</translation></message><message><source>reworked {n}×</source><translation>返工 {n} 次</translation></message><message><source>suspended</source><translation>已挂账</translation></message><message><source>until {date}</source><translation>至 {date}</translation></message><message><source>{number} closed.</source><translation>{number} 已结案。</translation></message><message><source>{number} dispatched to {dept}.</source><translation>{number} 已派遣至{dept}。</translation></message><message><source>{number} sent to an inspector for checking.</source><translation>{number} 已派发监督员核查。</translation></message><message><source>{number}: request approved.</source><translation>{number}：申请已批准。</translation></message><message><source>{n} cases dispatched to {dept}.</source><translation>{n} 件案卷已派遣至{dept}。</translation></message></context>
<context>
    <name>SupervisionPanel</name>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="60" />
        <source>By department</source>
        <translation>按部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="60" />
        <source>By region</source>
        <translation>按区域</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="61" />
        <source>By class</source>
        <translation>按类别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="70" />
        <source>Street</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="71" />
        <source>Community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="74" />
        <source>Include soon overdue</source>
        <translation>含即将超期</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="78" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="89" />
        <source>Group</source>
        <translation>分组</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="89" />
        <source>Cases</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="89" />
        <source>Overdue now</source>
        <translation>当前超时</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="89" />
        <source>Soon overdue</source>
        <translation>即将超期</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="90" />
        <source>Longest overdue</source>
        <translation>最长超期</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="90" />
        <source>Urged</source>
        <translation>已督办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="93" />
        <source>Case</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="93" />
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="93" />
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="93" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="94" />
        <source>Overdue for</source>
        <translation>超期时长</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="94" />
        <source>Urges</source>
        <translation>督办次数</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="99" />
        <source>&amp;Urge (催办)…</source>
        <translation>催办(&amp;U)…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="101" />
        <source>&amp;Supervise (督办)…</source>
        <translation>督办(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="119" />
        <source>Urges of the case</source>
        <translation>本案督办记录</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="120" />
        <source>Urges of the department</source>
        <translation>部门督办记录</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="199" />
        <source>Cannot load the board: %1</source>
        <translation>无法加载督查看板：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="206" />
        <source>Overdue: %1 · soon overdue: %2 · urged: %3</source>
        <translation>超期 %1 件 · 即将超期 %2 件 · 已督办 %3 件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="231" />
        <source>(not dispatched)</source>
        <translation>（未派遣）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="232" />
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="232" />
        <source>(no region)</source>
        <translation>（无区域）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="249" />
        <source>%1: %2 case(s), longest overdue first</source>
        <translation>%1：%2件，超期最久在前</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="251" />
        <source>All groups: %1 case(s), longest overdue first</source>
        <translation>全部分组：%1件，超期最久在前</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="253" />
        <source>(the first %1 shown)</source>
        <translation>（显示前%1件）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="262" />
        <source>answered</source>
        <translation>已答复</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="263" />
        <source>not answered</source>
        <translation>未答复</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="337" />
        <source>Sending…</source>
        <translation>正在发送…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="343" />
        <source>Sent to the departments: %1 case(s).</source>
        <translation>已发往责任部门：%1件。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="351" />
        <source>Not sent: %1</source>
        <translation>未发出：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_board.py" line="362" />
        <source>Answer from %1 on case %2: %3</source>
        <translation>%1答复案卷 %2：%3</translation>
    </message>
</context>
<context>
    <name>TimingModel</name>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="195" />
        <source>Case</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="195" />
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="195" />
        <source>Remaining</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="195" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="196" />
        <source>Deadline</source>
        <translation>截止时间</translation>
    </message>
</context>
<context>
    <name>TimingPanel</name>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="295" />
        <location filename="../../app/widgets/timing_panel.py" line="533" />
        <source>Mute</source>
        <translation>静音</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="296" />
        <source>Mute the overdue alarm sound</source>
        <translation>关闭超时报警声音</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="299" />
        <location filename="../../app/widgets/timing_panel.py" line="417" />
        <source>All departments</source>
        <translation>全部部门</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="301" />
        <source>All stages</source>
        <translation>全部环节</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="399" />
        <source> (%1 cases already overdue)</source>
        <translation>（共 %1 件已超时）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="406" />
        <source>Cannot load cases: %1</source>
        <translation>无法加载案卷：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="396" />
        <location filename="../../app/widgets/timing_panel.py" line="525" />
        <source>%1: %2 overdue</source>
        <translation>%1：%2超时</translation>
    </message>
    <message>
        <location filename="../../app/widgets/timing_panel.py" line="533" />
        <source>Muted</source>
        <translation>已静音</translation>
    </message>
</context>
<context>
    <name>TourControls</name>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="22" />
        <source>Saved tours</source>
        <translation>已保存的轮巡</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="42" />
        <source>Tour</source>
        <translation>轮巡</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="25" />
        <source>Start or stop the chosen tour</source>
        <translation>开始或停止所选轮巡</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="23" />
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="76" />
        <source>Start tour</source>
        <translation>开始轮巡</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="26" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="30" />
        <source>Previous page</source>
        <translation>上一页</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="31" />
        <source>Next page</source>
        <translation>下一页</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="32" />
        <source>Tours…</source>
        <translation>轮巡设置…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="67" />
        <source>Choose a tour with cameras first (Tours…)</source>
        <translation>请先选择含摄像机的轮巡（轮巡设置…）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_controls.py" line="76" />
        <source>Stop tour</source>
        <translation>停止轮巡</translation>
    </message>
</context>
<context>
    <name>TourDialog</name>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="22" />
        <source>Tours (轮巡)</source>
        <translation>轮巡</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="27" />
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="28" />
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="32" />
        <source> s</source>
        <translation>秒</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="34" />
        <source>Filter cameras (name, street, grid, pinyin initials)</source>
        <translation>筛选摄像机（名称、街道、网格、拼音首字母）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="37" />
        <source>Unit grid</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="37" />
        <source>Responsibility grid</source>
        <translation>责任网格</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="38" />
        <source>Community</source>
        <translation>社区</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="38" />
        <source>Street</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="42" />
        <source>Add all its cameras</source>
        <translation>加入其全部摄像机</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="54" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="55" />
        <source>Dwell</source>
        <translation>停留时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="60" />
        <source>All cameras of</source>
        <translation>全部摄像机：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="61" />
        <source>Cameras</source>
        <translation>视频监控</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tour_dialog.py" line="104" />
        <source>Tour %1</source>
        <translation>轮巡%1</translation>
    </message>
</context>
<context>
    <name>TrackPanel</name>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="67" />
        <source>Filter inspectors by name</source>
        <translation>按姓名筛选监督员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="82" />
        <location filename="../../app/widgets/track_panel.py" line="142" />
        <location filename="../../app/widgets/track_panel.py" line="143" />
        <location filename="../../app/widgets/track_panel.py" line="144" />
        <source>From</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="84" />
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="87" />
        <source>Today's shift</source>
        <translation>今日班次</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="87" />
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="88" />
        <source>Last 7 days</source>
        <translation>近7天</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="92" />
        <source>Load tracks</source>
        <translation>加载轨迹</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="94" />
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="111" />
        <source>−1 min</source>
        <translation>后退1分钟</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="113" />
        <location filename="../../app/widgets/track_panel.py" line="426" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="115" />
        <source>+1 min</source>
        <translation>前进1分钟</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="123" />
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="125" />
        <source>Colour by speed</source>
        <translation>按速度着色</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="139" />
        <location filename="../../app/widgets/track_panel.py" line="142" />
        <location filename="../../app/widgets/track_panel.py" line="143" />
        <location filename="../../app/widgets/track_panel.py" line="144" />
        <location filename="../../app/widgets/track_panel.py" line="145" />
        <source>Inspector</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="139" />
        <source>Mileage</source>
        <translation>里程</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="139" />
        <source>On duty / shift</source>
        <translation>在岗/班次</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="140" />
        <location filename="../../app/widgets/track_panel.py" line="147" />
        <source>Stops</source>
        <translation>停留</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="140" />
        <location filename="../../app/widgets/track_panel.py" line="148" />
        <source>Signal gaps</source>
        <translation>信号中断</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="140" />
        <location filename="../../app/widgets/track_panel.py" line="148" />
        <source>Too fast</source>
        <translation>速度异常</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="141" />
        <source>Grids covered</source>
        <translation>网格覆盖</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="142" />
        <location filename="../../app/widgets/track_panel.py" line="143" />
        <source>Duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="142" />
        <source>Place</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="143" />
        <location filename="../../app/widgets/track_panel.py" line="144" />
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="144" />
        <source>Top speed</source>
        <translation>最高速度</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="145" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="145" />
        <source>What</source>
        <translation>事项</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="145" />
        <source>Case number</source>
        <translation>案卷号</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="147" />
        <source>Summary</source>
        <translation>概况</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="149" />
        <source>Cases</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="156" />
        <source>Map PNG</source>
        <translation>地图图片</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="157" />
        <source>Export %1</source>
        <translation>导出%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="194" />
        <source>Choose a group…</source>
        <translation>选择分组…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="198" />
        <source>Grid: %1</source>
        <translation>责任网格：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="201" />
        <source>Street: %1</source>
        <translation>街道：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="202" />
        <source>All inspectors</source>
        <translation>全部监督员</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="259" />
        <source>Choose at least one inspector.</source>
        <translation>请至少选择一名监督员。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="263" />
        <source>The end of the range is before its start.</source>
        <translation>结束时间早于开始时间。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="270" />
        <source>Loading %1 tracks…</source>
        <translation>正在加载%1条轨迹…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="326" />
        <source>%1 inspectors, %2 fixes</source>
        <translation>%1名监督员，%2个定位点</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="328" />
        <source>Could not load a track: %1</source>
        <translation>轨迹加载失败：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="378" />
        <source>Inspector's report</source>
        <translation>上报</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="378" />
        <source>Inspector's verification</source>
        <translation>核实</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="379" />
        <source>Inspector's check</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="426" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="484" />
        <source>Load tracks first.</source>
        <translation>请先加载轨迹。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="487" />
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="492" />
        <source>Saved %1</source>
        <translation>已保存：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/track_panel.py" line="494" />
        <source>Could not save: %1</source>
        <translation>保存失败：%1</translation>
    </message>
</context>
<context>
    <name>TrackTimeline</name>
    <message>
        <location filename="../../app/widgets/track_timeline.py" line="119" />
        <source>Click or drag to move the playback; click a case mark to open it</source>
        <translation>点击或拖动以调整回放时间；点击案件标记可打开案件</translation>
    </message>
</context>
<context>
    <name>UrgeDialog</name>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="19" />
        <source>Supervise (督办)</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="19" />
        <source>Urge (催办)</source>
        <translation>催办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="20" />
        <source> and %1 more</source>
        <translation> 等%1件</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="22" />
        <source>%1 case(s): %2</source>
        <translation>共%1件：%2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="25" />
        <source>What the department must do, e.g. handle it today and report back</source>
        <translation>要求部门做什么，例如：今日内处置并回复</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="37" />
        <source>&amp;Message:</source>
        <translation>督办内容(&amp;M)：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="39" />
        <source>&amp;Reply by:</source>
        <translation>答复期限(&amp;R)：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="42" />
        <source>Supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="42" />
        <source>Urge</source>
        <translation>催办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_dialog.py" line="54" />
        <source>The message is too long (at most %1 characters).</source>
        <translation>督办内容过长（最多%1字）。</translation>
    </message>
</context>
<context>
    <name>UrgeHistory</name>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="34" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="34" />
        <source>Case</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="34" />
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="34" />
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="35" />
        <source>Message</source>
        <translation>内容</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="35" />
        <source>Reply by</source>
        <translation>答复期限</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="35" />
        <source>Answer</source>
        <translation>答复</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="51" />
        <source>Urges of case %1</source>
        <translation>案卷 %1 的督办记录</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="56" />
        <source>Urges sent to %1</source>
        <translation>发往%1的督办</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="57" />
        <source>All urges, newest first</source>
        <translation>全部督办记录，最新在前</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="77" />
        <source>Cannot load the urges: %1</source>
        <translation>无法加载督办记录：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/supervision_history.py" line="87" />
        <source>not answered yet</source>
        <translation>尚未答复</translation>
    </message>
</context>
<context>
    <name>VideoReportDialog</name>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="29" />
        <source>Video patrol report (视频巡查上报)</source>
        <translation>视频巡查上报</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="34" />
        <source>Source: video patrol · camera %1 · %2</source>
        <translation>来源：视频巡查 · 摄像机%1 · %2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="47" />
        <source>Report</source>
        <translation>上报</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="51" />
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="52" />
        <source>Place</source>
        <translation>位置</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="53" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="54" />
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="66" />
        <source>Choose the class of the report.</source>
        <translation>请选择上报的类别。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="69" />
        <source>Choose the place.</source>
        <translation>请选择位置。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="73" />
        <source>Video patrol: %1</source>
        <translation>视频巡查：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/report_dialog.py" line="84" />
        <source>Sending…</source>
        <translation>正在发送…</translation>
    </message>
</context>
<context>
    <name>VideoTile</name>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="76" />
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="76" />
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="77" />
        <source>Reconnecting</source>
        <translation>重连中</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="77" />
        <source>Connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="78" />
        <source>Offline (platform)</source>
        <translation>离线（平台）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="78" />
        <source>Paused</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="126" />
        <source>Drag a camera here</source>
        <translation>将摄像机拖到此处</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="211" />
        <source>Locate on map</source>
        <translation>在地图上定位</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="212" />
        <source>Snapshot to the selected case</source>
        <translation>截图取证（附到所选案件）</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="214" />
        <source>Video patrol report…</source>
        <translation>视频巡查上报…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="216" />
        <source>Save snapshot as…</source>
        <translation>截图另存为…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile.py" line="218" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>VideoWall</name>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="98" />
        <source>Layout of the wall</source>
        <translation>视频墙布局</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="100" />
        <source>Linkage</source>
        <translation>联动</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="101" />
        <source>Put the cameras that see a case on the wall when it is selected or turns red</source>
        <translation>选中案件或案件变红时，把能看到它的摄像机放上视频墙</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="104" />
        <source>Detach to window</source>
        <translation>分离为窗口</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="107" />
        <source>Layout</source>
        <translation>布局</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="195" />
        <source>Unknown camera %1</source>
        <translation>未知摄像机%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="289" />
        <source>Cameras seeing %1: %2</source>
        <translation>能看到%1的摄像机：%2个</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="291" />
        <source>No camera sees %1; the nearest:</source>
        <translation>没有摄像机能看到%1；最近的摄像机：</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="296" />
        <source>Case %1 turned red: its cameras are on the wall</source>
        <translation>案件%1已变红：其摄像机已上墙</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/wall.py" line="302" />
        <source>Cameras seeing %1: the server did not answer</source>
        <translation>能看到%1的摄像机：服务器未应答</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <location filename="../../app/wall/launch.py" line="23" />
        <location filename="../../app/wall/launch.py" line="41" />
        <source>Connecting to the server…</source>
        <translation>正在连接服务器…</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="40" />
        <source>OpenCityCommand — wall</source>
        <translation>OpenCityCommand — 大屏</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="55" />
        <location filename="../../app/wall/window.py" line="192" />
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="55" />
        <source>Unit grids</source>
        <translation>单元网格</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="56" />
        <source>Responsibility grids</source>
        <translation>责任网格</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="56" />
        <source>Components</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="57" />
        <source>Cases</source>
        <translation>案件</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="57" />
        <source>Inspectors</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="57" />
        <source>Cameras</source>
        <translation>视频监控</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="87" />
        <source>%1 Digital Urban Management Command Centre</source>
        <translation>%1数字化城市管理指挥中心</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="104" />
        <source>Reports today</source>
        <translation>今日上报</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="104" />
        <source>Accepted</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="105" />
        <source>Filed</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="105" />
        <source>Dispatched</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="106" />
        <location filename="../../app/wall/window.py" line="116" />
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="106" />
        <source>On time</source>
        <translation>按期结案率</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="107" />
        <location filename="../../app/wall/window.py" line="117" />
        <source>Overdue now</source>
        <translation>当前超时</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="108" />
        <source>Inspectors on duty</source>
        <translation>在岗监督员</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="114" />
        <source>Departments this month: on-time closing</source>
        <translation>本月部门按期结案率</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="115" />
        <source>Top classes, last 7 days</source>
        <translation>近7天高发类别</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="116" />
        <source>Last 7 days</source>
        <translation>近7天</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="116" />
        <source>Reported</source>
        <translation>已上报</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="117" />
        <source>Case</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="117" />
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="117" />
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="118" />
        <source>Overdue by</source>
        <translation>超时时长</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="120" />
        <source>No data yet</source>
        <translation>暂无数据</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="122" />
        <source>Nothing is overdue</source>
        <translation>当前无超时案件</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="127" />
        <source>Waiting for the latest events…</source>
        <translation>等待最新动态…</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="210" />
        <source>%1 %2 is overdue</source>
        <translation>%1 %2 已超时</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="245" />
        <source>Live · updated %1</source>
        <translation>实时 · 更新于 %1</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="247" />
        <source>Reconnecting… · last update %1</source>
        <translation>正在重连… · 最后更新 %1</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="262" />
        <source>reported</source>
        <translation>已上报</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="262" />
        <source>being verified</source>
        <translation>核实中</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="263" />
        <source>accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="263" />
        <source>filed</source>
        <translation>已立案</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="264" />
        <source>dispatched</source>
        <translation>已派遣</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="264" />
        <source>postponed</source>
        <translation>已缓办</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="265" />
        <source>hung up</source>
        <translation>已挂账</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="266" />
        <source>fed back</source>
        <translation>已反馈</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="266" />
        <source>being checked</source>
        <translation>核查中</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="267" />
        <source>closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="267" />
        <source>voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="274" />
        <source>%1 d %2 h</source>
        <translation>%1天%2小时</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="276" />
        <source>%1 h %2 min</source>
        <translation>%1小时%2分</translation>
    </message>
    <message>
        <location filename="../../app/wall/window.py" line="277" />
        <source>%1 min</source>
        <translation>%1分钟</translation>
    </message>
</context>
<context>
    <name>wall</name>
    <message>
        <location filename="../../app/widgets/video_wall/tile_actions.py" line="38" />
        <source>Select a case first: the snapshot is attached to the selected case.</source>
        <translation>请先选择案件：截图将附到所选案件。</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile_actions.py" line="41" />
        <source>Attaching a snapshot of %1 to %2…</source>
        <translation>正在把%1的截图附到%2…</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile_actions.py" line="43" />
        <source>Snapshot of %1 attached to %2 as evidence</source>
        <translation>%1的截图已作为证据附到%2</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile_actions.py" line="46" />
        <source>Snapshot not attached: %1</source>
        <translation>截图未能附加：%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile_actions.py" line="56" />
        <source>Reported as %1</source>
        <translation>已上报为%1</translation>
    </message>
    <message>
        <location filename="../../app/widgets/video_wall/tile_actions.py" line="68" />
        <source>Save snapshot</source>
        <translation>保存截图</translation>
    </message>
</context>
<context><name>CaseLabels</name><message><source>Acceptor</source><translation>受理员</translation></message><message><source>Administrator</source><translation>管理员</translation></message><message><source>Choose photos</source><translation>选择照片</translation></message><message><source>Choose photos…</source><translation>选择照片…</translation></message><message><source>Close type</source><translation>结案类型</translation></message><message><source>Comment</source><translation>意见</translation></message><message><source>Confirmed</source><translation>属实</translation></message><message><source>Department</source><translation>处置部门</translation></message><message><source>Dispatcher</source><translation>派遣员</translation></message><message><source>Error</source><translation>错误结案</translation></message><message><source>Extension</source><translation>延期时长</translation></message><message><source>Filing condition</source><translation>立案条件</translation></message><message><source>Fixed</source><translation>已处置</translation></message><message><source>Images (*.jpg *.jpeg *.png *.webp)</source><translation>图片 (*.jpg *.jpeg *.png *.webp)</translation></message><message><source>Inspector</source><translation>监督员</translation></message><message><source>Leader</source><translation>领导</translation></message><message><source>Loading…</source><translation>加载中…</translation></message><message><source>No filing condition for this class</source><translation>该类别没有立案条件</translation></message><message><source>No photos chosen</source><translation>未选择照片</translation></message><message><source>Normal</source><translation>正常结案</translation></message><message><source>Not fixed</source><translation>未处置</translation></message><message><source>Not found</source><translation>未发现</translation></message><message><source>Not yet: the inspector's check must pass first (核查通过).</source><translation>暂不能办理：须先经监督员核查通过。</translation></message><message><source>Overdue</source><translation>超期结案</translation></message><message><source>Photos</source><translation>照片</translation></message><message><source>Please choose a department.</source><translation>请选择处置部门。</translation></message><message><source>Please choose a filing condition.</source><translation>请选择立案条件。</translation></message><message><source>Please give a reason.</source><translation>请填写原因。</translation></message><message><source>Postpone until</source><translation>缓办至</translation></message><message><source>Reason</source><translation>原因</translation></message><message><source>Reason (required)</source><translation>原因（必填）</translation></message><message><source>Result</source><translation>结果</translation></message><message><source>Shift leader</source><translation>值班长</translation></message><message><source>Special</source><translation>特殊结案</translation></message><message><source>The case has changed (someone may have acted first): %1</source><translation>案卷已变化（可能已有他人办理）：%1</translation></message><message><source>The server cannot be reached. Nothing was lost: try again.</source><translation>无法连接服务器。已填写内容未丢失，请重试。</translation></message><message><source>The server is still working on this action: it will be sent again, once.</source><translation>服务器仍在处理此操作：将以同一标识重发，只办理一次。</translation></message><message><source>Your role may not do this: %1</source><translation>您的岗位无权办理：%1</translation></message><message><source>{action} case {number}? This cannot be undone.</source><translation>确定{action}案卷 {number}？此操作不可撤销。</translation></message><message><source> (%1 cases already overdue)</source><translation>（共 %1 件已超时）</translation></message><message><source>%1 min</source><translation>%1分钟</translation></message><message><source>%1: %2 overdue</source><translation>%1：%2超时</translation></message><message><source>%1d %2h</source><translation>%1天%2小时</translation></message><message><source>%1h %2m</source><translation>%1小时%2分</translation></message><message><source>%1m %2s</source><translation>%1分%2秒</translation></message><message><source>%1s</source><translation>%1秒</translation></message><message><source>Acceptance</source><translation>受理</translation></message><message><source>All departments</source><translation>全部部门</translation></message><message><source>All stages</source><translation>全部环节</translation></message><message><source>Awaiting acceptance</source><translation>待受理</translation></message><message><source>Awaiting check</source><translation>待核查</translation></message><message><source>Awaiting dispatch</source><translation>待派遣</translation></message><message><source>Awaiting filing</source><translation>待立案</translation></message><message><source>Cannot load cases: %1</source><translation>无法加载案卷：%1</translation></message><message><source>Case</source><translation>案卷</translation></message><message><source>Check</source><translation>核查</translation></message><message><source>Checking</source><translation>核查中</translation></message><message><source>Citizen app</source><translation>市民APP</translation></message><message><source>Closed</source><translation>已结案</translation></message><message><source>Deadline</source><translation>截止时间</translation></message><message><source>Dispatch</source><translation>派遣</translation></message><message><source>Filing</source><translation>立案</translation></message><message><source>Green</source><translation>绿</translation></message><message><source>Handling</source><translation>处置中</translation></message><message><source>Hotline</source><translation>热线</translation></message><message><source>Leader assignment</source><translation>领导交办</translation></message><message><source>Media</source><translation>媒体曝光</translation></message><message><source>Mute</source><translation>静音</translation></message><message><source>Mute the overdue alarm sound</source><translation>关闭超时报警声音</translation></message><message><source>Muted</source><translation>已静音</translation></message><message><source>Open311</source><translation>Open311</translation></message><message><source>Paused</source><translation>暂停</translation></message><message><source>Postponed</source><translation>缓办</translation></message><message><source>Red</source><translation>红</translation></message><message><source>Remaining</source><translation>剩余时间</translation></message><message><source>Sending check</source><translation>派发核查</translation></message><message><source>State</source><translation>状态</translation></message><message><source>Suspended</source><translation>挂账</translation></message><message><source>Verification</source><translation>核实</translation></message><message><source>Verifying</source><translation>核实中</translation></message><message><source>Video patrol</source><translation>视频巡查</translation></message><message><source>Void</source><translation>已作废</translation></message><message><source>Yellow</source><translation>黄</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>natural days</source><translation>自然日</translation></message><message><source>overdue %1</source><translation>超时 %1</translation></message><message><source>paused</source><translation>已暂停</translation></message><message><source>postponed</source><translation>已缓办</translation></message><message><source>reported</source><translation>已上报</translation></message><message><source>suspended</source><translation>已挂账</translation></message><message><source>urgent hours</source><translation>紧急工作时</translation></message><message><source>work days</source><translation>工作日</translation></message><message><source>work hours</source><translation>工作时</translation></message></context><context><name>CaseSource</name><message><source>Address / grid</source><translation>地址/网格</translation></message><message><source>Band</source><translation>灯</translation></message><message><source>Check failed</source><translation>核查未通过</translation></message><message><source>Check passed</source><translation>核查通过</translation></message><message><source>Checking</source><translation>核查中</translation></message><message><source>Citizen app</source><translation>市民APP</translation></message><message><source>Class</source><translation>类别</translation></message><message><source>Closed</source><translation>已结案</translation></message><message><source>Deadline</source><translation>截止时间</translation></message><message><source>Department</source><translation>处置部门</translation></message><message><source>Extension requested</source><translation>申请延期</translation></message><message><source>Filter: number, class, address, grid…</source><translation>筛选：编号、类别、地址、网格…</translation></message><message><source>Handling</source><translation>处置中</translation></message><message><source>Hotline</source><translation>热线</translation></message><message><source>Inspector</source><translation>监督员</translation></message><message><source>Leader</source><translation>领导</translation></message><message><source>Media</source><translation>媒体曝光</translation></message><message><source>Number</source><translation>编号</translation></message><message><source>Open311</source><translation>Open311</translation></message><message><source>Pending check</source><translation>待核查</translation></message><message><source>Pending dispatch</source><translation>待派遣</translation></message><message><source>Pending filing</source><translation>待立案</translation></message><message><source>Postponed</source><translation>缓办</translation></message><message><source>Postponement requested</source><translation>申请缓办</translation></message><message><source>Remaining</source><translation>剩余时间</translation></message><message><source>Reported</source><translation>已上报</translation></message><message><source>Source</source><translation>来源</translation></message><message><source>State</source><translation>状态</translation></message><message><source>Suspended</source><translation>挂账</translation></message><message><source>Suspension requested</source><translation>申请挂账</translation></message><message><source>Verifying</source><translation>核实中</translation></message><message><source>Video patrol</source><translation>视频巡查</translation></message><message><source>Void</source><translation>已作废</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>postponed</source><translation>已缓办</translation></message><message><source>reported</source><translation>已上报</translation></message><message><source>suspended</source><translation>已挂账</translation></message><message><source>{d}d {h}h</source><translation>{d}天{h}时</translation></message><message><source>{n} calendar days</source><translation>{n} 自然日</translation></message><message><source>{n} urgent hours</source><translation>{n} 紧急工作时</translation></message><message><source>{n} work hours</source><translation>{n} 工作时</translation></message><message><source>{n} working days</source><translation>{n} 工作日</translation></message></context><context><name>TimeLimit</name><message><source>Address / grid</source><translation>地址/网格</translation></message><message><source>Band</source><translation>灯</translation></message><message><source>Check failed</source><translation>核查未通过</translation></message><message><source>Check passed</source><translation>核查通过</translation></message><message><source>Checking</source><translation>核查中</translation></message><message><source>Citizen app</source><translation>市民APP</translation></message><message><source>Class</source><translation>类别</translation></message><message><source>Closed</source><translation>已结案</translation></message><message><source>Deadline</source><translation>截止时间</translation></message><message><source>Department</source><translation>处置部门</translation></message><message><source>Extension requested</source><translation>申请延期</translation></message><message><source>Filter: number, class, address, grid…</source><translation>筛选：编号、类别、地址、网格…</translation></message><message><source>Handling</source><translation>处置中</translation></message><message><source>Hotline</source><translation>热线</translation></message><message><source>Inspector</source><translation>监督员</translation></message><message><source>Leader</source><translation>领导</translation></message><message><source>Media</source><translation>媒体曝光</translation></message><message><source>Number</source><translation>编号</translation></message><message><source>Open311</source><translation>Open311</translation></message><message><source>Pending check</source><translation>待核查</translation></message><message><source>Pending dispatch</source><translation>待派遣</translation></message><message><source>Pending filing</source><translation>待立案</translation></message><message><source>Postponed</source><translation>缓办</translation></message><message><source>Postponement requested</source><translation>申请缓办</translation></message><message><source>Remaining</source><translation>剩余时间</translation></message><message><source>Reported</source><translation>已上报</translation></message><message><source>Source</source><translation>来源</translation></message><message><source>State</source><translation>状态</translation></message><message><source>Suspended</source><translation>挂账</translation></message><message><source>Suspension requested</source><translation>申请挂账</translation></message><message><source>Verifying</source><translation>核实中</translation></message><message><source>Video patrol</source><translation>视频巡查</translation></message><message><source>Void</source><translation>已作废</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>postponed</source><translation>已缓办</translation></message><message><source>reported</source><translation>已上报</translation></message><message><source>suspended</source><translation>已挂账</translation></message><message><source>{d}d {h}h</source><translation>{d}天{h}时</translation></message><message><source>{n} calendar days</source><translation>{n} 自然日</translation></message><message><source>{n} urgent hours</source><translation>{n} 紧急工作时</translation></message><message><source>{n} work hours</source><translation>{n} 工作时</translation></message><message><source>{n} working days</source><translation>{n} 工作日</translation></message></context><context><name>Remaining</name><message><source>Address / grid</source><translation>地址/网格</translation></message><message><source>Band</source><translation>灯</translation></message><message><source>Check failed</source><translation>核查未通过</translation></message><message><source>Check passed</source><translation>核查通过</translation></message><message><source>Checking</source><translation>核查中</translation></message><message><source>Citizen app</source><translation>市民APP</translation></message><message><source>Class</source><translation>类别</translation></message><message><source>Closed</source><translation>已结案</translation></message><message><source>Deadline</source><translation>截止时间</translation></message><message><source>Department</source><translation>处置部门</translation></message><message><source>Extension requested</source><translation>申请延期</translation></message><message><source>Filter: number, class, address, grid…</source><translation>筛选：编号、类别、地址、网格…</translation></message><message><source>Handling</source><translation>处置中</translation></message><message><source>Hotline</source><translation>热线</translation></message><message><source>Inspector</source><translation>监督员</translation></message><message><source>Leader</source><translation>领导</translation></message><message><source>Media</source><translation>媒体曝光</translation></message><message><source>Number</source><translation>编号</translation></message><message><source>Open311</source><translation>Open311</translation></message><message><source>Pending check</source><translation>待核查</translation></message><message><source>Pending dispatch</source><translation>待派遣</translation></message><message><source>Pending filing</source><translation>待立案</translation></message><message><source>Postponed</source><translation>缓办</translation></message><message><source>Postponement requested</source><translation>申请缓办</translation></message><message><source>Remaining</source><translation>剩余时间</translation></message><message><source>Reported</source><translation>已上报</translation></message><message><source>Source</source><translation>来源</translation></message><message><source>State</source><translation>状态</translation></message><message><source>Suspended</source><translation>挂账</translation></message><message><source>Suspension requested</source><translation>申请挂账</translation></message><message><source>Verifying</source><translation>核实中</translation></message><message><source>Video patrol</source><translation>视频巡查</translation></message><message><source>Void</source><translation>已作废</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>postponed</source><translation>已缓办</translation></message><message><source>reported</source><translation>已上报</translation></message><message><source>suspended</source><translation>已挂账</translation></message><message><source>{d}d {h}h</source><translation>{d}天{h}时</translation></message><message><source>{n} calendar days</source><translation>{n} 自然日</translation></message><message><source>{n} urgent hours</source><translation>{n} 紧急工作时</translation></message><message><source>{n} work hours</source><translation>{n} 工作时</translation></message><message><source>{n} working days</source><translation>{n} 工作日</translation></message></context><context><name>CaseState</name><message><source>Address / grid</source><translation>地址/网格</translation></message><message><source>Band</source><translation>灯</translation></message><message><source>Check failed</source><translation>核查未通过</translation></message><message><source>Check passed</source><translation>核查通过</translation></message><message><source>Checking</source><translation>核查中</translation></message><message><source>Citizen app</source><translation>市民APP</translation></message><message><source>Class</source><translation>类别</translation></message><message><source>Closed</source><translation>已结案</translation></message><message><source>Deadline</source><translation>截止时间</translation></message><message><source>Department</source><translation>处置部门</translation></message><message><source>Extension requested</source><translation>申请延期</translation></message><message><source>Filter: number, class, address, grid…</source><translation>筛选：编号、类别、地址、网格…</translation></message><message><source>Handling</source><translation>处置中</translation></message><message><source>Hotline</source><translation>热线</translation></message><message><source>Inspector</source><translation>监督员</translation></message><message><source>Leader</source><translation>领导</translation></message><message><source>Media</source><translation>媒体曝光</translation></message><message><source>Number</source><translation>编号</translation></message><message><source>Open311</source><translation>Open311</translation></message><message><source>Pending check</source><translation>待核查</translation></message><message><source>Pending dispatch</source><translation>待派遣</translation></message><message><source>Pending filing</source><translation>待立案</translation></message><message><source>Postponed</source><translation>缓办</translation></message><message><source>Postponement requested</source><translation>申请缓办</translation></message><message><source>Remaining</source><translation>剩余时间</translation></message><message><source>Reported</source><translation>已上报</translation></message><message><source>Source</source><translation>来源</translation></message><message><source>State</source><translation>状态</translation></message><message><source>Suspended</source><translation>挂账</translation></message><message><source>Suspension requested</source><translation>申请挂账</translation></message><message><source>Verifying</source><translation>核实中</translation></message><message><source>Video patrol</source><translation>视频巡查</translation></message><message><source>Void</source><translation>已作废</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>postponed</source><translation>已缓办</translation></message><message><source>reported</source><translation>已上报</translation></message><message><source>suspended</source><translation>已挂账</translation></message><message><source>{d}d {h}h</source><translation>{d}天{h}时</translation></message><message><source>{n} calendar days</source><translation>{n} 自然日</translation></message><message><source>{n} urgent hours</source><translation>{n} 紧急工作时</translation></message><message><source>{n} work hours</source><translation>{n} 工作时</translation></message><message><source>{n} working days</source><translation>{n} 工作日</translation></message></context><context><name>EvaluationCharts</name><message><source>Cases</source><translation>案件</translation></message><message><source>Cases by class (top %1)</source><translation>案件类别（前 %1）</translation></message><message><source>Closed</source><translation>已结案</translation></message><message><source>Composite score</source><translation>综合得分</translation></message><message><source>Monthly trend</source><translation>月度趋势</translation></message><message><source>Overdue in handling</source><translation>处置超期</translation></message><message><source>Reported</source><translation>已上报</translation></message><message><source>Scores by department</source><translation>部门综合得分</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>reported</source><translation>已上报</translation></message></context><context><name>EvaluationExport</name><message><source>Acceptors</source><translation>受理员</translation></message><message><source>Cases</source><translation>案件</translation></message><message><source>Cases by class</source><translation>案件类别</translation></message><message><source>Cases per unit grid</source><translation>网格案件分布</translation></message><message><source>Class</source><translation>类别</translation></message><message><source>Class code</source><translation>类别代码</translation></message><message><source>Closed</source><translation>已结案</translation></message><message><source>Closed on time</source><translation>按期结案</translation></message><message><source>Component</source><translation>部件</translation></message><message><source>Departments</source><translation>部门</translation></message><message><source>Dispatchers</source><translation>派遣员</translation></message><message><source>Districts</source><translation>区县</translation></message><message><source>Event</source><translation>事件</translation></message><message><source>Grade</source><translation>等级</translation></message><message><source>Inspectors</source><translation>监督员</translation></message><message><source>Kind</source><translation>类型</translation></message><message><source>Measured score</source><translation>已测得分</translation></message><message><source>Measured weight</source><translation>测得权重</translation></message><message><source>Month</source><translation>月</translation></message><message><source>Monthly trend</source><translation>月度趋势</translation></message><message><source>Name</source><translation>名称</translation></message><message><source>On-time closing rate</source><translation>按期结案率</translation></message><message><source>Overdue in handling</source><translation>处置超期</translation></message><message><source>Reported</source><translation>已上报</translation></message><message><source>Score</source><translation>综合得分</translation></message><message><source>Shift leaders</source><translation>值班长</translation></message><message><source>Streets</source><translation>街道</translation></message><message><source>Unit grid</source><translation>单元网格</translation></message><message><source>Unit grids with the most cases (top 30)</source><translation>案件最多的单元网格（前 30）</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>reported</source><translation>已上报</translation></message></context><context><name>EvaluationMenu</name><message><source>&amp;Evaluation</source><translation>评价(&amp;E)</translation></message><message><source>Cases per unit grid (evaluation)</source><translation>网格案件分布（综合评价）</translation></message><message><source>Evaluation (综合评价)…</source><translation>综合评价…</translation></message></context><context><name>EvaluationTables</name><message><source>Grade</source><translation>等级</translation></message><message><source>Incomplete: a part could not be measured; %1 of the weight measured, no grade</source><translation>不完整：有加权指标无法测得；括号内为已测部分得分（占权重 %1），不评等级</translation></message><message><source>Name</source><translation>名称</translation></message><message><source>Score</source><translation>综合得分</translation></message><message><source>accepted</source><translation>已受理</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>dispatched</source><translation>已派遣</translation></message><message><source>filed</source><translation>已立案</translation></message></context><context><name>IdentifyField</name><message><source>Abandoned</source><translation>废弃</translation></message><message><source>Address</source><translation>地址</translation></message><message><source>Area (m²)</source><translation>面积（m²）</translation></message><message><source>Authority</source><translation>主管部门</translation></message><message><source>Case number</source><translation>案卷号</translation></message><message><source>Checking</source><translation>核查中</translation></message><message><source>Citizen app</source><translation>市民APP</translation></message><message><source>Class</source><translation>类别</translation></message><message><source>Class code</source><translation>类别代码</translation></message><message><source>Closed</source><translation>已结案</translation></message><message><source>Code</source><translation>代码</translation></message><message><source>Community code</source><translation>社区代码</translation></message><message><source>Component</source><translation>部件</translation></message><message><source>Damaged</source><translation>破损</translation></message><message><source>Data currency</source><translation>使用状态</translation></message><message><source>Data source</source><translation>数据来源</translation></message><message><source>Deadline</source><translation>截止时间</translation></message><message><source>Deadline band</source><translation>计时灯</translation></message><message><source>Description</source><translation>问题描述</translation></message><message><source>Direction (°)</source><translation>朝向（°）</translation></message><message><source>Distance (m)</source><translation>距离（m）</translation></message><message><source>Event</source><translation>事件</translation></message><message><source>Field</source><translation>字段</translation></message><message><source>Fixed camera</source><translation>固定摄像机</translation></message><message><source>Green</source><translation>绿</translation></message><message><source>Handling</source><translation>处置中</translation></message><message><source>Hotline</source><translation>热线</translation></message><message><source>ID</source><translation>标识码</translation></message><message><source>In use</source><translation>在用</translation></message><message><source>Inspector</source><translation>监督员</translation></message><message><source>Intact</source><translation>完好</translation></message><message><source>Kind</source><translation>类型</translation></message><message><source>Last position</source><translation>最近定位</translation></message><message><source>Leader</source><translation>领导</translation></message><message><source>Maintainer</source><translation>养护单位</translation></message><message><source>Measured</source><translation>实测</translation></message><message><source>Media</source><translation>媒体曝光</translation></message><message><source>Missing</source><translation>丢失</translation></message><message><source>Name</source><translation>名称</translation></message><message><source>No</source><translation>否</translation></message><message><source>Nothing here</source><translation>此处无要素</translation></message><message><source>Occupied</source><translation>占用</translation></message><message><source>Online</source><translation>在线</translation></message><message><source>Open311</source><translation>Open311</translation></message><message><source>Own</source><translation>自建</translation></message><message><source>Owner</source><translation>权属单位</translation></message><message><source>Ownership</source><translation>权属</translation></message><message><source>PTZ camera</source><translation>云台摄像机</translation></message><message><source>Paused</source><translation>暂停</translation></message><message><source>Pending check</source><translation>待核查</translation></message><message><source>Pending dispatch</source><translation>待派遣</translation></message><message><source>Pending filing</source><translation>待立案</translation></message><message><source>Phone</source><translation>电话</translation></message><message><source>Planned</source><translation>规划</translation></message><message><source>Postponed</source><translation>缓办</translation></message><message><source>Red</source><translation>红</translation></message><message><source>Remaining (s)</source><translation>剩余（秒）</translation></message><message><source>Removed</source><translation>已拆除</translation></message><message><source>Reported</source><translation>已上报</translation></message><message><source>Responsibility grid</source><translation>责任网格</translation></message><message><source>Sequence</source><translation>序号</translation></message><message><source>Shared</source><translation>共享</translation></message><message><source>Source</source><translation>来源</translation></message><message><source>Speed (kn)</source><translation>速度（节）</translation></message><message><source>State</source><translation>状态</translation></message><message><source>Street code</source><translation>街道代码</translation></message><message><source>Survey date</source><translation>普查日期</translation></message><message><source>Suspended</source><translation>挂账</translation></message><message><source>Synthesized</source><translation>推算</translation></message><message><source>Unit grid</source><translation>单元网格</translation></message><message><source>Unit grids</source><translation>单元网格</translation></message><message><source>Urges</source><translation>督办次数</translation></message><message><source>Value</source><translation>值</translation></message><message><source>Verifying</source><translation>核实中</translation></message><message><source>Video patrol</source><translation>视频巡查</translation></message><message><source>Void</source><translation>已作废</translation></message><message><source>Yellow</source><translation>黄</translation></message><message><source>Yes</source><translation>是</translation></message><message><source>authority</source><translation>主管部门</translation></message><message><source>closed</source><translation>已结案</translation></message><message><source>maintainer</source><translation>养护单位</translation></message><message><source>owner</source><translation>权属单位</translation></message><message><source>paused</source><translation>已暂停</translation></message><message><source>postponed</source><translation>已缓办</translation></message><message><source>reported</source><translation>已上报</translation></message><message><source>suspended</source><translation>已挂账</translation></message></context><context><name>Supervision</name><message><source>%1 left</source><translation>剩余%1</translation></message><message><source>%1: %2 case(s), longest overdue first</source><translation>%1：%2件，超期最久在前</translation></message><message><source>&amp;Supervise (督办)…</source><translation>督办(&amp;S)…</translation></message><message><source>&amp;Urge (催办)…</source><translation>催办(&amp;U)…</translation></message><message><source>(no region)</source><translation>（无区域）</translation></message><message><source>(none)</source><translation>（无）</translation></message><message><source>(not dispatched)</source><translation>（未派遣）</translation></message><message><source>(the first %1 shown)</source><translation>（显示前%1件）</translation></message><message><source>All groups: %1 case(s), longest overdue first</source><translation>全部分组：%1件，超期最久在前</translation></message><message><source>Answer from %1 on case %2: %3</source><translation>%1答复案卷 %2：%3</translation></message><message><source>By class</source><translation>按类别</translation></message><message><source>By department</source><translation>按部门</translation></message><message><source>By region</source><translation>按区域</translation></message><message><source>Cannot load the board: %1</source><translation>无法加载督查看板：%1</translation></message><message><source>Case</source><translation>案卷</translation></message><message><source>Cases</source><translation>案件</translation></message><message><source>Class</source><translation>类别</translation></message><message><source>Community</source><translation>社区</translation></message><message><source>Department</source><translation>处置部门</translation></message><message><source>Group</source><translation>分组</translation></message><message><source>Include soon overdue</source><translation>含即将超期</translation></message><message><source>Longest overdue</source><translation>最长超期</translation></message><message><source>Not sent: %1</source><translation>未发出：%1</translation></message><message><source>Overdue for</source><translation>超期时长</translation></message><message><source>Overdue now</source><translation>当前超时</translation></message><message><source>Overdue: %1 · soon overdue: %2 · urged: %3</source><translation>超期 %1 件 · 即将超期 %2 件 · 已督办 %3 件</translation></message><message><source>Refresh</source><translation>刷新</translation></message><message><source>Sending…</source><translation>正在发送…</translation></message><message><source>Sent to the departments: %1 case(s).</source><translation>已发往责任部门：%1件。</translation></message><message><source>Soon overdue</source><translation>即将超期</translation></message><message><source>State</source><translation>状态</translation></message><message><source>Street</source><translation>街道</translation></message><message><source>Supervision</source><translation>督办</translation></message><message><source>Urged</source><translation>已督办</translation></message><message><source>Urges</source><translation>督办次数</translation></message><message><source>Urges of the case</source><translation>本案督办记录</translation></message><message><source>Urges of the department</source><translation>部门督办记录</translation></message><message><source>answered</source><translation>已答复</translation></message><message><source>not answered</source><translation>未答复</translation></message><message><source>overdue %1</source><translation>超时 %1</translation></message><message><source>urged</source><translation>已督办</translation></message><message><source>Supervise</source><translation>督办</translation></message><message><source>Urge</source><translation>催办</translation></message><message><source>level %1</source><translation>%1级</translation></message><message><source>urged ×%1</source><translation>督×%1</translation></message></context></TS>