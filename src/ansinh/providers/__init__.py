"""Payment providers: one adapter per protocol (ISO 20022 files, GSMA mobile money, G2P Connect, cash lists).

``domain`` holds the plain values every adapter shares; ``iso20022`` is the bank adapter's message layer.
Nothing here touches the database or the network.
"""
