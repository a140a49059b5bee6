"""Everything one article read goes through in the gateway, in the order it happens.

1. ``responder``: a cached page or API answer is turned into bytes and headers, the same
   way for the edge's fast path and for the routes.
2. ``read``: the answered read becomes one :class:`~gateway.reads.read.Read`.
3. ``recorder``: the read is journaled (``journal``) and held in memory, both bounded,
   then published to Kafka in ``views.recorded`` batches (``read.encode_batch``).

Nothing else in the gateway builds, stores or publishes reads.
"""
