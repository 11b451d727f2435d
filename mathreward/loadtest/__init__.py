"""The load-test harness that `mathreward bench` runs (install the `bench` extra).

payloads (GRPO-shaped requests), driver (closed-loop gRPC callers), server_proc (a real
`mathreward serve` child and its process-tree CPU), sweep (workers x batch x concurrency),
report (tables, plots), training_step (one training step's reward call vs math-verify),
mathverify_baseline (math-verify in-process on the same payload).
"""
