"""The PySide6 desktop front end. It uses ``intake_app``; nothing imports it."""
