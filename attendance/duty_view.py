"""The duty console's screen (Kivy): draws :class:`attendance.console.ConsoleView`.

Left: the roll call for the current session; tapping names selects them for a manual record.
Right: PIN sign-in, then the actions of the signed-in person (record a sign-in with one of the
seed's reasons, everyone still absent during an outage, approve or reject pending records,
sign the day's log), the failed sign-ins of the session and the last feedback.
Every action runs on the console's worker (:meth:`DutyConsole.begin`), never on the Kivy
thread: while one is on its way the feedback line says so (and whether the queue service
answers), further presses are ignored, and the result comes back with ``Clock.schedule_once``.
Import after :func:`ui.boot.configure`.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, DictProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from attendance.console import ConsoleView, DutyConsole
from ui.app import HallApp
from ui.theme import PALETTE

REASONS = ("power_cut", "machine_fault", "unclear_fingerprint")
STATUS_COLOUR = {
    "present": "ok",
    "late": "accent",
    "leave": "muted_text",
    "pending": "accent",
    "absent": "error",
}

KV = """
#:import PALETTE ui.theme.PALETTE

<RollRowView>:
    size_hint_y: None
    height: app.font_px * 2
    padding: dp(8), 0
    canvas.before:
        Color:
            rgba: PALETTE.rgba("selected") if self.selected else PALETTE.rgba("panel")
        RoundedRectangle:
            pos: self.pos
            size: self.size
            radius: [dp(6)]
    Label:
        text: root.who
        font_size: app.font_px * 0.8
        color: PALETTE.rgba("selected_text") if root.selected else PALETTE.rgba("text")
        text_size: self.size
        halign: "left"
        valign: "middle"
        shorten: True
    Label:
        text: root.status_text
        font_size: app.font_px * 0.8
        size_hint_x: 0.45
        color: PALETTE.rgba("selected_text") if root.selected else root.colour
        text_size: self.size
        halign: "right"
        valign: "middle"
        shorten: True

<SmallLabel@Label>:
    font_size: app.font_px * 0.7
    color: PALETTE.rgba("muted_text")
    text_size: self.width, None
    size_hint_y: None
    height: self.texture_size[1] + dp(4)
    halign: "left"

<LoginPanel@BoxLayout>:
    orientation: "vertical"
    spacing: dp(8)
    size_hint_y: None
    height: self.minimum_height
    TextInput:
        id: staff_id
        hint_text: app.tr("attendance.console.staff_id", app.lang)
        multiline: False
        font_size: app.font_px * 0.8
        size_hint_y: None
        height: app.min_target_px
        on_text_validate: root.ids.pin.focus = True
    TextInput:
        id: pin
        hint_text: app.tr("attendance.console.pin", app.lang)
        password: True
        multiline: False
        input_filter: "int"
        font_size: app.font_px * 0.8
        size_hint_y: None
        height: app.min_target_px
        on_text_validate: app.sign_in()
    BigButton:
        id: sign_in
        text: app.tr("attendance.console.sign_in", app.lang)
        opacity: 0.35 if app.busy else 1
        on_release: app.sign_in()
<ActionsPanel@BoxLayout>:
    orientation: "vertical"
    spacing: dp(6)
    size_hint_y: None
    height: self.minimum_height
    BoxLayout:
        size_hint_y: None
        height: app.min_target_px
        spacing: dp(6)
        Label:
            id: user
            text: app.screen["user_line"]
            font_size: app.font_px * 0.8
            text_size: self.size
            halign: "left"
            valign: "middle"
        BigButton:
            id: sign_out
            size_hint_x: 0.4
            text: app.tr("attendance.console.sign_out", app.lang)
            on_release: app.sign_out()
    BoxLayout:
        id: reasons
        size_hint_y: None
        height: app.min_target_px
        spacing: dp(6)
        opacity: 1 if app.screen["can_enter"] else 0.35
    BoxLayout:
        size_hint_y: None
        height: app.min_target_px
        spacing: dp(6)
        BigButton:
            id: outage
            text: app.tr("attendance.console.outage", app.lang)
            opacity: 1 if app.screen["can_enter"] else 0.35
            on_release: app.outage()
        BigButton:
            id: report_absent
            size_hint_x: 0.5
            opacity: 1 if app.screen["can_enter"] else 0.35
            text: app.tr("attendance.console.report_absent", app.lang)
            on_release: app.report_absent()
    TextInput:
        id: note
        hint_text: app.tr("attendance.console.note", app.lang)
        multiline: False
        font_size: app.font_px * 0.7
        size_hint_y: None
        height: app.min_target_px * 0.75
    BigButton:
        id: add_note
        text: app.tr("attendance.console.add_note", app.lang)
        on_release: app.add_note()
    BigButton:
        id: sign_log
        text: app.tr("attendance.console.sign_log", app.lang)
        opacity: 1 if app.screen["can_sign"] else 0.35
        on_release: app.sign_log()
BoxLayout:
    orientation: "vertical"
    padding: dp(16)
    spacing: dp(10)
    canvas.before:
        Color:
            rgba: PALETTE.rgba("background")
        Rectangle:
            pos: self.pos
            size: self.size
    BoxLayout:
        size_hint_y: None
        height: app.min_target_px
        spacing: dp(12)
        Label:
            id: title
            text: app.screen["title"]
            font_size: app.font_px
            bold: True
            text_size: self.size
            halign: "left"
            valign: "middle"
        LanguageBar:
            size_hint_x: 0.45
    Label:
        id: duty_line
        text: app.screen["duty_line"]
        font_size: app.font_px * 0.75
        color: PALETTE.rgba("muted_text")
        size_hint_y: None
        height: self.texture_size[1] + dp(4)
        text_size: self.width, None
        halign: "left"
    BoxLayout:
        spacing: dp(16)
        BoxLayout:
            orientation: "vertical"
            size_hint_x: 0.55
            spacing: dp(6)
            Label:
                id: roll_head
                text: app.screen["roll_head"]
                font_size: app.font_px * 0.85
                size_hint_y: None
                height: self.texture_size[1] + dp(6)
                text_size: self.width, None
                halign: "left"
            ScrollView:
                do_scroll_x: False
                GridLayout:
                    id: roll
                    cols: 2
                    spacing: dp(4)
                    size_hint_y: None
                    height: self.minimum_height
        BoxLayout:
            orientation: "vertical"
            size_hint_x: 0.45
            spacing: dp(8)
            BoxLayout:
                id: panel
                size_hint_y: None
                height: self.minimum_height
            Label:
                id: feedback
                text: app.feedback
                font_size: app.font_px * 0.8
                bold: True
                color: app.feedback_rgba(app.busy, app.feedback_ok)
                size_hint_y: None
                height: self.texture_size[1] + dp(6)
                text_size: self.width, None
            ScrollView:
                do_scroll_x: False
                BoxLayout:
                    id: side
                    orientation: "vertical"
                    spacing: dp(4)
                    size_hint_y: None
                    height: self.minimum_height
"""


class RollRowView(ButtonBehavior, BoxLayout):
    who = StringProperty("")
    status_text = StringProperty("")
    colour = ListProperty([1, 1, 1, 1])
    selected = BooleanProperty(False)


class DutyApp(HallApp):
    """The duty console window."""

    screen = DictProperty(
        {
            "title": "",
            "duty_line": "",
            "roll_head": "",
            "user_line": "",
            "can_enter": False,
            "can_sign": False,
        }
    )
    signed_in = BooleanProperty(False)
    feedback = StringProperty("")
    feedback_ok = BooleanProperty(True)
    busy = BooleanProperty(False)

    def __init__(self, console: DutyConsole, **kwargs: Any) -> None:
        self.console = console  # before the base sets the language (on_lang uses it)
        super().__init__(**kwargs)
        console.deliver = lambda fn: Clock.schedule_once(lambda _dt: fn(), 0)
        self.selected: set[str] = set()
        self.view: ConsoleView | None = None
        self._drawn: Any = None

    def build(self) -> Any:
        from kivy.factory import Factory

        import ui.widgets  # noqa: F401  (registers the shared widgets)

        root = Builder.load_string(KV)
        self.root_widget = root
        self.login = Factory.LoginPanel()
        self.actions = Factory.ActionsPanel()
        root.ids.panel.add_widget(self.login)
        self.bind(signed_in=self._swap_panel)
        self.bind(lang=lambda *_: self.refresh(force=True))
        Clock.schedule_once(lambda _dt: self.refresh(force=True), 0)
        Clock.schedule_interval(lambda _dt: self.refresh(), 2.0)
        return root

    # ------------------------------------------------------------------ actions

    def _swap_panel(self, _app: Any, signed_in: bool) -> None:
        panel = self.root_widget.ids.panel
        panel.clear_widgets()
        panel.add_widget(self.actions if signed_in else self.login)

    def on_lang(self, _app: Any, lang: str) -> None:
        self.console.lang = lang
        self.feedback = ""  # it was said in the other language

    @staticmethod
    def feedback_rgba(busy: bool, ok: bool) -> list[float]:
        return PALETTE.rgba("muted_text" if busy else "ok" if ok else "error")

    def _say(self, feedback: Any) -> None:
        self.feedback, self.feedback_ok = feedback.text, feedback.ok
        self.refresh(force=True)

    def _start(self, action: str, *args: Any, after: Any = None, **kwargs: Any) -> bool:
        """Send ``action`` off the Kivy thread; ``after(feedback)`` then runs on it."""

        def done(feedback: Any) -> None:
            self.busy = False
            if after is not None:
                after(feedback)
            self._say(feedback)

        if not self.console.begin(action, done, *args, **kwargs):
            return False  # one on its way already: this press is not sent
        self.busy = True
        self.feedback, self.feedback_ok = self.tr("attendance.console.busy"), True
        self.refresh(force=True)
        return True

    def sign_in(self) -> None:
        ids = self.login.ids
        staff, pin = ids.staff_id.text, ids.pin.text
        if self.busy:
            return
        ids.pin.text = ""
        ids.staff_id.text = ""

        def after(_feedback: Any) -> None:
            self.signed_in = self.console.user is not None

        self._start("sign_in", staff, pin, after=after)

    def sign_out(self) -> None:
        def after(_feedback: Any) -> None:
            self.signed_in = False
            self.selected.clear()

        self._start("sign_out", after=after)

    def toggle(self, staff: str) -> None:
        self.selected.symmetric_difference_update({staff})
        self.refresh(force=True)

    def _clear(self, people: set[str]) -> Any:
        def after(feedback: Any) -> None:
            if feedback.ok:
                self.selected -= people

        return after

    def enter(self, reason: str) -> None:
        if not self.selected:
            return
        people = sorted(self.selected)
        note = self.actions.ids.note.text
        self._start(
            "enter",
            people if len(people) > 1 else people[0],
            self.view.session if self.view else "morning",
            reason,
            note,
            after=self._clear(set(people)),
        )

    def outage(self) -> None:
        """Select everyone still absent in this session (then pick the reason)."""
        if self.view is not None:
            self.selected = {r.staff for r in self.view.rows if r.status == "absent"}
        self.refresh(force=True)

    def decide(self, record: str, approve: bool) -> None:
        self._start("decide", record, approve, self.actions.ids.note.text)

    def report_absent(self) -> None:
        if not self.selected:
            return
        note = self.actions.ids.note.text
        people = sorted(self.selected)
        self._start("report_absences", people, note, after=self._clear(set(people)))

    def add_note(self) -> None:
        note = self.actions.ids.note
        if note.text.strip():
            text = note.text

            def after(feedback: Any) -> None:
                if feedback.ok and note.text == text:
                    note.text = ""

            self._start("note", text, after=after)

    def void(self, record: str) -> None:
        people = set(self.selected)
        self._start("void", record, self.actions.ids.note.text, after=self._clear(people))

    def decide_leave(self, leave: str, approve: bool) -> None:
        self._start("decide_leave", leave, approve, self.actions.ids.note.text)

    def sign_log(self) -> None:
        self._start("sign_log")

    # ------------------------------------------------------------------ drawing

    def refresh(self, force: bool = False) -> None:
        self.console.lang = self.lang
        view = self.console.view()
        self.view = view
        if view.busy is not None:
            self.feedback, self.feedback_ok = view.busy_text, True
        key = (view, tuple(sorted(self.selected)), self.lang)
        if key == self._drawn and not force:
            return
        self._drawn = key
        tr = self.tr
        counts = "  ".join(
            f"{tr(f'attendance.status.{s}')} {view.counts.get(s, 0)}"
            for s in ("present", "late", "absent", "leave", "pending")
        )
        officer, director = view.on_duty
        names = {s.id: s.name for s in self.console.ctx.staff.values()}
        self.screen = {
            "title": f"{view.labels['title']} · {view.day.isoformat()} · {view.session_text}",
            "duty_line": tr(
                "attendance.console.on_duty",
                officer=names.get(officer or "", officer or "-"),
                director=names.get(director or "", director or "-"),
            )
            + ("  ·  " + view.labels["signed"] if view.log_signed else "")
            + "".join(f"  ·  {d['device']}: {d['text']}" for d in view.devices),
            "roll_head": f"{view.labels['roll_call']}: "
            + (counts if view.working else view.labels["no_session"]),
            "user_line": view.user_name,
            "can_enter": view.can_enter,
            "can_sign": view.can_sign,
        }
        ids = self.root_widget.ids
        ids.roll.clear_widgets()
        for row in view.rows:
            widget = RollRowView(
                who=f"{row.staff} {row.name}",
                status_text=row.text,
                colour=PALETTE.rgba(STATUS_COLOUR.get(row.status, "text")),
                selected=row.staff in self.selected,
            )
            widget.ui_key = f"row:{row.staff}"
            widget.bind(on_release=lambda _w, s=row.staff: self.toggle(s))
            ids.roll.add_widget(widget)
        reasons = self.actions.ids.reasons
        reasons.clear_widgets()
        from ui.widgets import BigButton

        for reason in REASONS:
            button = BigButton(text=tr(f"attendance.reason.{reason}"))
            button.ui_key = f"reason:{reason}"
            button.font_size = self.font_px * 0.75
            button.bind(on_release=lambda _b, r=reason: self.enter(r))
            reasons.add_widget(button)
        self._draw_side(view)

    def _draw_side(self, view: ConsoleView) -> None:
        from kivy.factory import Factory

        from ui.widgets import BigButton

        side = self.root_widget.ids.side
        side.clear_widgets()
        if len(self.selected) == 1:
            (person,) = self.selected
            lines = self.console.trail(person, view.session)
            if lines:
                side.add_widget(
                    Factory.SmallLabel(text=self.tr("attendance.console.trail"), bold=True)
                )
            for line in lines:
                side.add_widget(Factory.SmallLabel(text=line))
            record = self.console.voidable(person, view.session)
            if record is not None:
                button = BigButton(
                    text=self.tr("attendance.console.void"),
                    size_hint_y=None,
                    height=self.min_target_px * 0.8,
                )
                button.ui_key = f"void:{record}"
                button.bind(on_release=lambda _b, r=record: self.void(r))
                side.add_widget(button)
        side.add_widget(Factory.SmallLabel(text=view.labels["pending"], bold=True))
        for p in view.pending:
            line = f"{p.id} {p.name} {p.session} {p.time} {p.reason} ({p.entered_by})"
            side.add_widget(Factory.SmallLabel(text=line))
            if view.can_decide:
                row = BoxLayout(size_hint_y=None, height=self.min_target_px * 0.8, spacing=6)
                for approve, label in ((True, "approve"), (False, "reject")):
                    button = BigButton(text=view.labels[label])
                    button.ui_key = f"{label}:{p.id}"
                    button.bind(on_release=lambda _b, r=p.id, a=approve: self.decide(r, a))
                    row.add_widget(button)
                side.add_widget(row)
        if view.leaves:
            side.add_widget(Factory.SmallLabel(text=view.labels["leaves"], bold=True))
        for leave in view.leaves:
            line = f"{leave.id} {leave.name} {leave.kind} {leave.period} ({leave.approver})"
            side.add_widget(Factory.SmallLabel(text=line))
            if leave.can_decide:
                row = BoxLayout(size_hint_y=None, height=self.min_target_px * 0.8, spacing=6)
                for approve, label in ((True, "approve"), (False, "reject")):
                    button = BigButton(text=view.labels[label])
                    button.ui_key = f"leave_{label}:{leave.id}"
                    button.bind(
                        on_release=lambda _b, r=leave.id, a=approve: self.decide_leave(r, a)
                    )
                    row.add_widget(button)
                side.add_widget(row)
        if view.log:
            side.add_widget(Factory.SmallLabel(text=view.labels["log"], bold=True))
        for line in view.log:
            side.add_widget(Factory.SmallLabel(text=line))
        if view.lapses:
            side.add_widget(Factory.SmallLabel(text=view.labels["lapses"], bold=True))
        for line in view.lapses:
            side.add_widget(Factory.SmallLabel(text=line))
        side.add_widget(Factory.SmallLabel(text=view.labels["failed"], bold=True))
        for a in view.attempts:
            side.add_widget(Factory.SmallLabel(text=f"{a['at']} {a['device']} {a['text']}"))

    def driver_state(self) -> dict[str, Any]:
        view = self.view
        return {
            "lang": self.lang,
            "signed_in": self.signed_in,
            "user": view.user if view else None,
            "session": view.session if view else None,
            "counts": view.counts if view else {},
            "statuses": {r.staff: r.status for r in view.rows} if view else {},
            "pending": [p.id for p in view.pending] if view else [],
            "leaves": {lv.id: lv.can_decide for lv in view.leaves} if view else {},
            "log": list(view.log) if view else [],
            "lapses": list(view.lapses) if view else [],
            "trail": self.console.trail(next(iter(self.selected)), view.session)
            if view and len(self.selected) == 1
            else [],
            "selected": sorted(self.selected),
            "feedback": self.feedback,
            "feedback_ok": self.feedback_ok,
            "busy": self.console.busy,
            "log_signed": view.log_signed if view else False,
            "can_sign": view.can_sign if view else False,
            "devices": {d["device"]: d["status"] for d in view.devices} if view else {},
            "on_duty": list(view.on_duty) if view else [None, None],
            "can_enter": view.can_enter if view else False,
            "attempts": [
                {"at": a["at"], "result": a["result"], "device": a["device"]} for a in view.attempts
            ]
            if view
            else [],
        }
