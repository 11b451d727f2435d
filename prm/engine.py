"""Batched PRM inference behind an asyncio front.

Requests are encoded on a helper thread (or split across `encode_processes` worker processes),
admitted to a bounded queue (all or nothing: overload raises `PrmQueueFull`, which the service
maps to RESOURCE_EXHAUSTED), gathered into micro-batches
(at most `max_batch_size` items, padded tokens under `max_batch_tokens`; while a forward is
running a batch waits at most `max_wait_ms` for company, and it goes at once when the inference
thread is idle), sorted by length to cut padding, and run on ONE inference thread under
`torch.inference_mode`. That thread resolves each item's future on the event loop with
`loop.call_soon_threadsafe`. Item problems are data: a too-long item gets `StepStatus.TOO_LONG`,
an empty one `NO_STEPS`, a failing forward `ERROR` for its micro-batch only.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import torch

from prm import formats
from prm.hub import resolve_checkpoint
from prm.model import pad_right
from prm.types import (  # noqa: F401 - re-exported: the engine's public names
    PrmConfig,
    PrmError,
    PrmNotReady,
    PrmQueueFull,
    StepScores,
    StepStatus,
    default_threads,
)

BUNDLED_WEIGHTS = Path(__file__).resolve().parent / "weights"


@dataclass
class _Item:
    ids: list[int]
    tags: list[int]
    future: asyncio.Future


Encodable = tuple[str, Sequence[str]]


def encode_items(codec: formats.Codec, max_len: int,
                 items: Sequence[Encodable]) -> list[formats.Encoded | StepScores]:
    """Token ids and tag positions per item, or the item's final StepScores when it cannot run
    (no steps, too long, tokenizer failure). Sizes are checked first: an item whose text alone
    needs more than `max_len` tokens (a lower bound from its length, `Codec.min_tokens`) is
    TOO_LONG before any tokenizing or arithmetic check runs on it."""
    out: list[formats.Encoded | StepScores] = []
    for problem, steps in items:
        steps = list(steps)
        if not steps:
            out.append(StepScores((), StepStatus.NO_STEPS, "no steps to score"))
            continue
        least = codec.min_tokens([problem, *steps])
        if least > max_len:
            out.append(StepScores((), StepStatus.TOO_LONG,
                                  f"at least {least} tokens > max {max_len}"))
            continue
        try:
            enc = codec.encode(problem, steps, max_len)
        except formats.TooLong as exc:
            out.append(StepScores((), StepStatus.TOO_LONG, str(exc)))
            continue
        except Exception as exc:  # a tokenizer failure is this item's problem only
            out.append(StepScores((), StepStatus.ERROR, f"encode failed: {exc}"))
            continue
        if len(enc.ids) > max_len:
            out.append(StepScores((), StepStatus.TOO_LONG,
                                  f"{len(enc.ids)} tokens > max {max_len}"))
        elif len(enc.tag_positions) != len(steps):
            out.append(StepScores((), StepStatus.ERROR, "step tags lost in tokenization"))
        else:
            out.append(enc)
    return out


@functools.cache
def _worker_codec(model_path: str) -> formats.Codec:
    """In an encode worker process: the family, spec and tokenizer, loaded once per process."""
    return formats.load_codec(Path(model_path))


def _encode_in_worker(model_path: str, max_len: int,
                      items: list[Encodable]) -> list[formats.Encoded | StepScores]:
    return encode_items(_worker_codec(model_path), max_len, items)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise PrmError(f"device {name!r} requested but CUDA is not available")
    return dev


class PrmEngine:
    def __init__(self, config: PrmConfig) -> None:
        self._config = config
        self._model_path = (resolve_checkpoint(config.model_path) if config.model_path
                            else str(BUNDLED_WEIGHTS))
        self._device = resolve_device(config.device)
        self._dtype = torch.bfloat16 if self._device.type == "cuda" else torch.float32
        self._infer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prm-infer")
        self._encode: Executor = self._encode_executor()
        self._loaded: formats.LoadedPrm | None = None
        self._queue: asyncio.Queue[_Item] | None = None
        self._task: asyncio.Task | None = None
        self._inflight: asyncio.Semaphore | None = None
        self._pending = 0
        self._running_batches = 0  # micro-batches handed to the inference thread, not resolved
        self._ready = False
        self._max_len = 0

    def _encode_executor(self) -> Executor:
        if self._config.encode_processes <= 0:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="prm-encode")
        # forkserver: the parent runs threads (inference, encode, gRPC), which fork must not copy
        return ProcessPoolExecutor(self._config.encode_processes,
                                   mp_context=multiprocessing.get_context("forkserver"))

    @property
    def ready(self) -> bool:
        return self._ready

    @property
    def pending_items(self) -> int:
        return self._pending

    @property
    def device(self) -> torch.device:
        return self._device

    async def start(self) -> None:
        """Load the model and run one warm-up forward, both on the inference thread."""
        loop = asyncio.get_running_loop()
        self._loaded = await loop.run_in_executor(self._infer, self._load_and_warm,
                                                  self._model_path)
        self._max_len = self._loaded.max_length  # the checkpoint's own context
        if self._config.encode_processes > 0:  # load the tokenizer in every worker now
            await self._encode_chunks(loop, [("What is 1 + 1?", ["1 + 1 = 2."])]
                                      * self._config.encode_processes)
        self._queue = asyncio.Queue()
        self._inflight = asyncio.Semaphore(2)  # one batch running, the next one formed
        self._task = asyncio.create_task(self._batch_loop(), name="prm-batcher")
        self._ready = True

    @property
    def max_length(self) -> int:
        """The longest input in tokens (after `start()`)."""
        return self._max_len

    @property
    def threads(self) -> int:
        return self._config.threads or default_threads()

    def _load_and_warm(self, path: str) -> formats.LoadedPrm:
        if self._device.type == "cpu":
            torch.set_num_threads(self.threads)
        loaded = formats.load(path, self._device, self._dtype)
        enc = loaded.codec.encode("What is 1 + 1?", ["1 + 1 = 2."])
        ids = torch.tensor([enc.ids], device=self._device)
        with torch.inference_mode():
            loaded.step_probs(ids, torch.ones_like(ids))
        return loaded

    async def score(self, problem: str, steps: Sequence[str]) -> StepScores:
        return (await self.score_many([(problem, steps)]))[0]

    async def score_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[StepScores]:
        """Scores per item, in order. Raises PrmQueueFull if the whole batch does not fit."""
        if not self._ready or self._queue is None:
            raise PrmNotReady("PRM engine is not started")
        if self._pending + len(items) > self._config.max_queue_items:
            raise PrmQueueFull(f"PRM queue full ({self._pending} pending, "
                               f"{len(items)} requested, limit {self._config.max_queue_items})")
        self._pending += len(items)  # reserve now: admission is all or nothing
        loop = asyncio.get_running_loop()
        try:
            encoded = await self._encode_chunks(loop, list(items))
        except BaseException:
            self._pending -= len(items)
            raise
        results: list[StepScores | None] = [None] * len(items)
        waits: list[tuple[int, asyncio.Future]] = []
        for i, enc in enumerate(encoded):
            if isinstance(enc, StepScores):
                results[i] = enc
                self._pending -= 1
                continue
            fut = loop.create_future()
            self._queue.put_nowait(_Item(enc.ids, enc.tag_positions, fut))
            waits.append((i, fut))
        if waits:  # gather: if the caller is cancelled, its queued items are cancelled too
            done = await asyncio.gather(*(f for _, f in waits))
            for (i, _), res in zip(waits, done, strict=True):
                results[i] = res
        return [r for r in results if r is not None]

    async def _encode_chunks(self, loop: asyncio.AbstractEventLoop,
                             items: list[Encodable]) -> list[formats.Encoded | StepScores]:
        """Encode on the helper thread, or split across the worker processes."""
        assert self._loaded is not None
        if not items:
            return []
        size = max(1, self._config.encode_chunk)
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        out: list[formats.Encoded | StepScores] = []
        if self._config.encode_processes <= 0:
            # one job at a time: the executor is FIFO, so a big request's next job queues
            # behind other requests' jobs instead of holding the encode thread throughout
            for c in chunks:
                out += await loop.run_in_executor(self._encode, encode_items,
                                                  self._loaded.codec, self._max_len, c)
            return out
        width = self._config.encode_processes  # one job per worker in flight per request
        pool = self._encode
        try:
            for w in range(0, len(chunks), width):
                parts = await asyncio.gather(*(
                    loop.run_in_executor(pool, _encode_in_worker, self._model_path,
                                         self._max_len, c) for c in chunks[w:w + width]))
                out += [enc for part in parts for enc in part]
        except BrokenProcessPool:  # a worker died (e.g. killed): these items fail, and the
            if self._encode is pool:  # first caller to see it gives later ones fresh workers
                pool.shutdown(wait=False)
                self._encode = self._encode_executor()
            return [StepScores((), StepStatus.ERROR, "encode worker died")] * len(items)
        return out

    async def _batch_loop(self) -> None:
        assert self._queue is not None and self._inflight is not None
        loop = asyncio.get_running_loop()
        cfg = self._config
        while True:
            batch = [await self._queue.get()]
            deadline = loop.time() + cfg.max_wait_ms / 1000
            while len(batch) < cfg.max_batch_size:
                if not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0 or (cfg.dispatch_when_idle and self._running_batches == 0):
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                except TimeoutError:
                    break
            live = [it for it in batch if not it.future.done()]  # drop cancelled requests
            self._pending -= len(batch) - len(live)
            for micro in self._micro_batches(live):
                await self._inflight.acquire()
                self._running_batches += 1
                self._infer.submit(self._run, micro, loop)

    def _micro_batches(self, items: list[_Item]) -> list[list[_Item]]:
        """Sorted by length; each micro-batch's padded size stays under the token budget, and a
        new one starts where it would hold more than `max_pad_tokens` of padding."""
        cfg = self._config
        out: list[list[_Item]] = []
        cur: list[_Item] = []
        real = 0  # unpadded tokens in `cur`
        for it in sorted(items, key=lambda x: len(x.ids)):
            width = len(it.ids)  # sorted: the newest item is the longest
            padded = width * (len(cur) + 1)
            if cur and (padded > cfg.max_batch_tokens or len(cur) >= cfg.max_batch_size
                        or padded - real - width > cfg.max_pad_tokens):
                out.append(cur)
                cur, real = [], 0
            cur.append(it)
            real += width
        if cur:
            out.append(cur)
        return out

    def _run(self, items: list[_Item], loop: asyncio.AbstractEventLoop) -> None:
        """Inference thread: one padded forward, then hand results back to the loop."""
        try:
            results = self._forward(items)
        except Exception as exc:  # e.g. CUDA OOM: this micro-batch fails, the engine lives
            results = [StepScores((), StepStatus.ERROR, f"forward failed: {exc}")] * len(items)
        loop.call_soon_threadsafe(self._resolve, items, results)

    def _forward(self, items: list[_Item]) -> list[StepScores]:
        assert self._loaded is not None
        ids, mask = pad_right([it.ids for it in items], self._loaded.pad_id)  # (B, T) each
        with torch.inference_mode():
            probs = self._loaded.step_probs(ids.to(self._device), mask.to(self._device))  # (B, T)
            probs = probs.float().cpu()
        return [StepScores(tuple(probs[i, it.tags].tolist()), StepStatus.OK)
                for i, it in enumerate(items)]

    def _resolve(self, items: list[_Item], results: list[StepScores]) -> None:
        assert self._inflight is not None
        self._inflight.release()
        self._running_batches -= 1
        for it, res in zip(items, results, strict=True):
            self._pending -= 1
            if not it.future.done():
                it.future.set_result(res)

    async def close(self) -> None:
        """Stop batching; items still queued get an ERROR status; release the threads."""
        self._ready = False
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._infer, lambda: None)  # let the running batch finish
        await asyncio.sleep(0)  # its results are resolved by a callback already scheduled
        while self._queue is not None and not self._queue.empty():
            it = self._queue.get_nowait()
            self._pending -= 1
            if not it.future.done():
                it.future.set_result(StepScores((), StepStatus.ERROR, "engine closed"))
        self._infer.shutdown(wait=True)
        self._encode.shutdown(wait=True)
