"""Video wall logic apart from widgets: stream decoding (PyAV), stream time, layouts, tours, the
saved wall state. Widgets live in app/widgets/video_wall."""
