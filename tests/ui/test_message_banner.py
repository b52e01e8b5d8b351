"""A message label that turns into a banner (the lease warning, the new identity's next
steps) gets the banner's padding, not only its colours: Qt kept the old contents margins."""

from __future__ import annotations


def test_a_label_renamed_to_banner_gets_its_padding(qtbot, styled):
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from ui.widgets import show_message

    box = QWidget()
    qtbot.addWidget(box)
    layout = QVBoxLayout(box)
    born = QLabel("aviso ficticio")
    born.setObjectName("banner")
    renamed = QLabel()
    renamed.setObjectName("error")
    layout.addWidget(born)
    layout.addWidget(renamed)
    box.show()
    qtbot.waitExposed(box)
    show_message(renamed, "aviso ficticio", "banner")
    assert renamed.contentsMargins() == born.contentsMargins() and born.contentsMargins().left() > 0
    show_message(renamed, "error ficticio")
    assert renamed.contentsMargins().left() == 0
