"""Amazon Connect contact flows as data: templates (``flows/``, ``modules/``), the flow-language
catalogue (``language.py``), the offline checker (``checker.py``), rendering for an env
(``templates.py``), designer layout (``layout.py``), pictures (``diagram.py``, ``make flows``) and
a contact simulator (``simulator.py``)."""
