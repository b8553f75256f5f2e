"""Roles drawn by the app's style, with no application style sheet (roles.py): labels'
colours and weights follow the theme, framed roles draw their borders."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QStatusBar, QVBoxLayout, QWidget

from studio.ui.widgets.theme import apply_theme, error_color, repolish

pytestmark = pytest.mark.gui

MUTED = {False: "#6b6b70", True: "#9a9da3"}


@pytest.fixture
def light(qapp):
    apply_theme(qapp, dark=False)
    yield qapp
    apply_theme(qapp, dark=False)


def shown(qtbot, *children: QWidget) -> QWidget:
    host = QWidget()
    qtbot.addWidget(host)
    box = QVBoxLayout(host)
    for child in children:
        box.addWidget(child)
    host.resize(240, 60 * len(children))
    host.show()
    qtbot.waitExposed(host)
    return host  # keep it: pytest-qt holds only a weak reference


def text_color(label: QLabel) -> str:
    return label.palette().color(QPalette.ColorRole.WindowText).name()


def label(role: str) -> QLabel:
    made = QLabel(role)
    made.setProperty("role", role)
    return made


def test_the_app_has_no_style_sheet_in_either_theme(light):
    for dark in (True, False):
        apply_theme(light, dark=dark)
        assert light.styleSheet() == ""


def test_label_roles_follow_the_theme(light, qtbot):
    muted, error, heading, plain = label("muted"), label("error"), label("heading"), QLabel("x")
    _host = shown(qtbot, muted, error, heading, plain)
    assert text_color(muted) == MUTED[False]
    assert text_color(error) == error_color().name()
    assert heading.font().weight() == QFont.Weight.DemiBold
    assert muted.font().weight() == QFont.Weight.Normal
    assert text_color(plain) == light.palette().color(QPalette.ColorRole.WindowText).name()
    apply_theme(light, dark=True)  # the system switched to dark: the roles follow
    assert text_color(muted) == MUTED[True]
    assert text_color(error) == error_color().name() == "#ff6b6b"
    apply_theme(light, dark=False)
    assert text_color(muted) == MUTED[False]


def test_a_role_taken_away_gives_the_label_its_plain_look_back(light, qtbot):
    warn = label("error")
    _host = shown(qtbot, warn)
    assert text_color(warn) == error_color().name()
    warn.setProperty("role", "")
    repolish(warn)
    assert text_color(warn) == light.palette().color(QPalette.ColorRole.WindowText).name()
    assert warn.font().weight() == QFont.Weight.Normal


def edge(widget: QWidget) -> QColor:
    """The colour at the middle of the widget's left edge."""
    image = widget.grab().toImage()
    return image.pixelColor(0, image.height() // 2)


def test_a_field_shows_a_red_border_only_while_invalid(light, qtbot):
    field = QFrame()
    field.setProperty("role", "field")
    field.setMinimumSize(120, 30)
    _host = shown(qtbot, field)
    background = light.palette().color(QPalette.ColorRole.Window)
    assert edge(field) == background
    field.setProperty("invalid", True)
    repolish(field)
    red = edge(field)
    assert red.red() > 150 and red.green() < 120, red.name()
    field.setProperty("invalid", False)
    repolish(field)
    assert edge(field) == background


def test_cards_and_banners_draw_their_borders(light, qtbot):
    card, banner = QFrame(), QFrame()
    card.setProperty("role", "card")
    banner.setProperty("role", "banner")
    QVBoxLayout(banner).addWidget(QLabel("No secure keyring"))
    for frame in (card, banner):
        frame.setMinimumSize(120, 40)
    _host = shown(qtbot, card, banner)
    assert edge(card).name() == "#c9c9ce"
    red = edge(banner)
    assert red.red() > 150 and red.green() < 120, red.name()
    assert banner.contentsMargins().left() == 9  # 1 px border and 8 px of padding


def test_a_value_line_has_no_frame_or_background(light, qtbot):
    value = QLineEdit("job-123")
    value.setProperty("role", "value")
    _host = shown(qtbot, value)
    assert not value.hasFrame()
    assert value.palette().color(QPalette.ColorRole.Base).alpha() == 0


def test_status_bar_labels_get_room_either_side(light, qtbot):
    bar = QStatusBar()
    spend, mode = label("muted"), QLabel("Sandbox")
    bar.addPermanentWidget(spend)
    bar.addPermanentWidget(mode)
    _host = shown(qtbot, bar)
    for each in (spend, mode):
        margins = each.contentsMargins()
        assert (margins.left(), margins.right()) == (6, 6)
