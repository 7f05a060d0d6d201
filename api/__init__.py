"""FastAPI adapter: channels, widget, staff console, admin (grows issue by issue)."""
