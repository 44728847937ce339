"""Qt widgets: the main window, the layer panel and the docks."""
