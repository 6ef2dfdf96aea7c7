"""The web pages' words, Chinese by default and English on request (as the report pages do:
one table of ``{"zh": ..., "en": ...}`` and ``ui(lang)``)."""

from __future__ import annotations

UI = {
    "app": {"zh": "语音教练", "en": "voicecoach"},
    "sign_in": {"zh": "登录", "en": "Sign in"},
    "sign_out": {"zh": "退出", "en": "Sign out"},
    "username": {"zh": "用户名", "en": "User name"},
    "password": {"zh": "密码", "en": "Password"},
    "bad_login": {"zh": "用户名或密码不正确；请重新输入。", "en": "The user name or password is wrong; type them again."},
    "too_many": {"zh": "登录失败次数过多；请 15 分钟后再试，或联系管理员。", "en": "Too many failed sign-ins; wait 15 minutes and try again, or ask an administrator."},
    "my_takes": {"zh": "我的练习", "en": "My takes"},
    "upload": {"zh": "上传录音", "en": "Upload a recording"},
    "drop_here": {"zh": "把录音文件拖到这里，或点击选择文件", "en": "Drop a recording here, or click to choose a file"},
    "send": {"zh": "开始分析", "en": "Analyse"},
    "record": {"zh": "录音", "en": "Record"},
    "stop": {"zh": "停止并分析", "en": "Stop and analyse"},
    "recording": {"zh": "正在录音…", "en": "Recording…"},
    "no_mic": {"zh": "无法使用麦克风；请允许浏览器使用麦克风，或上传录音文件。", "en": "The microphone cannot be used; allow it in the browser, or upload a file."},
    "history": {"zh": "历史记录", "en": "History"},
    "trend": {"zh": "各项趋势（从旧到新）", "en": "Trend per dimension (oldest to newest)"},
    "no_takes": {"zh": "还没有录音。上传或录一段试试。", "en": "No takes yet. Upload or record one."},
    "when": {"zh": "时间", "en": "When"},
    "file": {"zh": "录音", "en": "Recording"},
    "status": {"zh": "状态", "en": "Status"},
    "overall": {"zh": "总分", "en": "Overall"},
    "report": {"zh": "报告", "en": "Report"},
    "comparison": {"zh": "与标准录音对比", "en": "Comparison with the benchmark"},
    "queued": {"zh": "排队中", "en": "Queued"},
    "running": {"zh": "分析中", "en": "Analysing"},
    "done": {"zh": "完成", "en": "Done"},
    "failed": {"zh": "失败", "en": "Failed"},
    "waiting": {"zh": "正在分析，请稍候。页面会自动更新。", "en": "Analysing; this page updates by itself."},
    "try_again": {"zh": "再录一次", "en": "Try again"},
    "open_report": {"zh": "打开报告", "en": "Open the report"},
    "audio": {"zh": "录音", "en": "Audio"},
    "scripts": {"zh": "练习稿", "en": "Scripts"},
    "no_scripts": {"zh": "还没有练习稿。", "en": "No scripts yet."},
    "read_this": {"zh": "请朗读下面的稿件，然后录音或上传。", "en": "Read the script below aloud, then record or upload."},
    "benchmark": {"zh": "标准录音", "en": "Benchmark take"},
    "publish": {"zh": "发布练习稿", "en": "Publish a script"},
    "title": {"zh": "标题", "en": "Title"},
    "text": {"zh": "稿件内容", "en": "Script text"},
    "team": {"zh": "团队", "en": "Team"},
    "calls": {"zh": "通话", "en": "Calls"},
    "agent": {"zh": "坐席", "en": "Agent"},
    "date": {"zh": "日期", "en": "Date"},
    "from": {"zh": "起始日期", "en": "From"},
    "to": {"zh": "结束日期", "en": "To"},
    "dimension": {"zh": "维度", "en": "Dimension"},
    "verdict": {"zh": "结论", "en": "Verdict"},
    "any": {"zh": "全部", "en": "Any"},
    "filter": {"zh": "筛选", "en": "Filter"},
    "export_csv": {"zh": "导出 CSV", "en": "Export CSV"},
    "export_xlsx": {"zh": "导出 Excel", "en": "Export Excel"},
    "listen_queue": {"zh": "待听队列", "en": "Listening queue"},
    "summary": {"zh": "按坐席和周汇总", "en": "Summary by agent and week"},
    "week": {"zh": "周", "en": "Week"},
    "n_calls": {"zh": "通话数", "en": "Calls"},
    "weakest": {"zh": "最弱项", "en": "Weakest"},
    "no_calls": {"zh": "没有符合条件的通话。", "en": "No calls match."},
    "qa_upload": {"zh": "上传多个通话录音（批量）", "en": "Upload many call recordings (a batch)"},
    "qa_folder": {"zh": "分析服务器上的文件夹", "en": "Analyse a folder on the server"},
    "folder": {"zh": "文件夹", "en": "Folder"},
    "start": {"zh": "开始", "en": "Start"},
    "users": {"zh": "用户", "en": "Users"},
    "add_user": {"zh": "添加用户", "en": "Add a user"},
    "role": {"zh": "角色", "en": "Role"},
    "display_name": {"zh": "显示名", "en": "Display name"},
    "save": {"zh": "保存", "en": "Save"},
    "trainees": {"zh": "学员的练习", "en": "Trainees' takes"},
    "not_signed_in": {"zh": "请先登录。", "en": "Please sign in first."},
    "forbidden": {"zh": "你没有查看此页面的权限；如需访问请联系管理员。", "en": "You may not see this page; ask an administrator if you need it."},
    "not_found": {"zh": "找不到这个页面或记录；请从列表重新打开。", "en": "This page or item does not exist; open it again from a list."},
    "csrf": {"zh": "表单已过期或不完整；请刷新页面后重新提交。", "en": "The form has expired or is incomplete; reload the page and send it again."},
    "error": {"zh": "出错了；请重试，若再次发生请联系管理员。", "en": "Something went wrong; try again, and tell an administrator if it happens again."},
    "too_large": {"zh": "上传的内容太大；请上传较短或压缩的录音。", "en": "The upload is too large; upload a shorter or compressed recording."},
    "back": {"zh": "返回", "en": "Back"},
    "duration": {"zh": "时长", "en": "Duration"},
    "batch_started": {"zh": "批量分析已开始。", "en": "The batch has started."},
    "uploaded_n": {"zh": "个文件已加入队列", "en": "file(s) queued"},
    "why": {"zh": "原因", "en": "Why"},
    "reason_failed": {"zh": "分析失败", "en": "failed"},
    "reason_dead_air": {"zh": "冷场", "en": "dead air"},
    "reason_uncertain": {"zh": "结果不确定", "en": "uncertain"},
    "reason_low_score": {"zh": "总分低", "en": "low score"},
    "reason_out_of_band": {"zh": "超出目标", "en": "off target"},
}

DIMENSIONS = {
    "pace": {"zh": "语速", "en": "Pace"}, "pauses": {"zh": "停顿", "en": "Pauses"}, "volume": {"zh": "音量", "en": "Volume"},
    "pitch": {"zh": "语调", "en": "Pitch"}, "articulation": {"zh": "清晰度", "en": "Articulation"}, "drawl": {"zh": "拖音", "en": "Drawl"},
}


STAGES = {
    "queued": {"zh": "等待分析", "en": "waiting"}, "decode": {"zh": "读取录音", "en": "reading the recording"},
    "level": {"zh": "测量音量", "en": "measuring the level"}, "activity": {"zh": "检测语音", "en": "finding speech"},
    "recognition": {"zh": "语音识别", "en": "recognising speech"}, "recognition_gaps": {"zh": "语音识别", "en": "recognising speech"},
    "script": {"zh": "对照稿件", "en": "aligning the script"}, "pitch": {"zh": "测量语调", "en": "measuring pitch"},
    "report": {"zh": "生成报告", "en": "writing the report"}, "compare": {"zh": "与标准录音对比", "en": "comparing with the benchmark"},
}


def stage_label(stage: str | None, lang: str) -> str:
    """A job's stage for people (the measures after pitch take a moment: shown as measuring)."""
    if not stage:
        return ""
    return STAGES.get(stage, {"zh": "计算各项指标", "en": "measuring"})[pick_lang(lang)]


def pick_lang(value: str | None, default: str = "zh") -> str:
    return value if value in ("zh", "en") else default


def ui(lang: str) -> dict[str, str]:
    lang = pick_lang(lang)
    words = {k: v[lang] for k, v in UI.items()}
    words.update({f"dim_{k}": v[lang] for k, v in DIMENSIONS.items()})
    return words


def dimension_name(name: str, lang: str) -> str:
    return DIMENSIONS.get(name, {}).get(pick_lang(lang), name)
