"""Reading a form back: is it the form consent made, unchanged, and who signed?

Owns comparing a PDF with the digests it carries and with the revision its
seal or first signature covers (`verification`, `changes`), checking
signatures with pyHanko (`signatures`), and the clinic seal: its key
(`seal`) and sealing a new form (`sealing`, loaded only when a seal is
used). It writes no file. It may import the shared modules and the model
(integrity); never rendering, records or the command line.
"""
