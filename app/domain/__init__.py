"""Qt-free rules of digital urban management (GB/T 30428): codes, classification, workflow,
clocks and evaluation. Both the server and the client import this; nothing here imports Qt."""
