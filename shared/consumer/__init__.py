"""One consumer-group runner every stream uses: a service supplies decode + handle-batch.

`config` holds the group's knobs, `handler` the contract a service implements, `runner`
the read loop (batched reads, reads ahead, batches in flight, graceful stop, health) and
`reclaim` what takes over entries a dead or failing consumer left pending.
"""
