"""Load test: concurrent clients on a real `vraagbaak serve`, with a re-ingest in the middle.

    python benchmarks/load.py [--seconds 60] [--clients 8] [--data-dir D] [--corpus corpus]

What it does:

1. Copies the index in ``--data-dir`` (and its embedding cache) into a temporary data dir D
   of its own and runs ``vraagbaak ingest CORPUS --data-dir D`` (a no-op when the copy is
   current; without ``--data-dir`` this builds the index).
2. Starts ``vraagbaak serve`` on a free loopback port with that data dir and a rate limit high
   enough not to refuse the test's own traffic (``VRAAGBAAK_RATE_LIMIT_PER_MINUTE``).
3. Runs ``--clients`` threads for ``--seconds`` seconds, each sending POST /api/ask,
   /api/search and /api/chat/stream (read to ``event: done``) over the gold questions.
4. Part way (``--reingest-at``, default 30 % of the run), copies the corpus, appends a sentence
   to one file and runs ``vraagbaak ingest COPY --data-dir D`` into the same data dir; the
   server's watcher should swap the new build in while requests keep running.

Any non-200 answer, transport error or stream that ends without ``event: done`` is a failure.
Exit status: 0 when every request succeeded and the build changed, 1 when any request failed,
2 when the run was not valid (server did not start, re-ingest failed or no swap happened).

    python benchmarks/load.py --abuse [--seconds 40] [--abusers 16] [--data-dir D]

``--abuse`` measures instead what long, growing follow-ups do to another user (issue 18, F1).
One normal client asks the gold questions one after another through POST /api/ask: first a
warm-up pass over all of them, then ``--seconds`` / 2 alone (its quiet p50), then ``--seconds``
beside ``--abusers`` clients that each hold a conversation of up to ``ABUSE_TURNS`` follow-ups
of ~2 000 characters of real question words ("en …", which passes the token-window check),
each client paced to the default rate limit (``--abuse-rate`` requests a second). Prints the
normal client's p50 quiet and under abuse; exits 1 when the ratio is over 2. Loopback only;
bounded in requests and time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = ("/api/ask", "/api/search", "/api/chat/stream")
RATE_LIMIT_PER_MINUTE = 1_000_000
RATE_LIMIT_BURST = 100_000
MAX_REQUESTS_PER_CLIENT = 100_000  # a bound on every client loop besides the deadline
REQUEST_TIMEOUT = 60.0
ADDED_SENTENCE = (
    "\n\nAanvulling voor de belastingtest: deze zin is toegevoegd om een nieuwe indexversie "
    "te maken terwijl de service vragen beantwoordt.\n"
)


@dataclass
class Result:
    endpoint: str
    started: float  # seconds since the start of the run
    seconds: float
    ok: bool
    reason: str = ""
    chunk_ids: tuple[str, ...] = ()


@dataclass
class Run:
    results: list[Result] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    builds: list[tuple[float, str]] = field(default_factory=list)  # (time, build) changes
    ingest: dict[str, Any] = field(default_factory=dict)

    def add(self, result: Result) -> None:
        with self.lock:
            self.results.append(result)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def vraagbaak_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "vraagbaak.cli", *args]


def load_questions(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as rows:
        return [json.loads(line)["question"] for line in rows if line.strip()]


def prepare_data_dir(source: Path | None, corpus: Path, target: Path, env: dict[str, str]) -> str:
    """An index of our own in ``target``: ``source``'s copied (with its embedding cache) and
    brought up to date, or built anew, by ``vraagbaak ingest CORPUS --data-dir target``."""
    origin = "built by `vraagbaak ingest`"
    if source is not None:
        if not (source / "index" / "current").exists():
            raise SystemExit(f"{source} holds no index (no {source / 'index' / 'current'})")
        shutil.copytree(source / "index", target / "index", symlinks=True)
        if (source / "cache").is_dir():  # cached embeddings make any re-embedding quick
            shutil.copytree(source / "cache", target / "cache")
        origin = f"copied from {source}, checked by `vraagbaak ingest`"
    started = time.perf_counter()
    done = subprocess.run(
        vraagbaak_command("ingest", str(corpus), "--data-dir", str(target), "--json"),
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"Building the index failed ({done.returncode}):\n{done.stderr}")
    changed = json.loads(done.stdout).get("changed")
    state = "(re)built" if changed else "nothing to change"
    return f"{origin} in {time.perf_counter() - started:.0f} s: {state}"


def start_server(
    data_dir: Path, corpus: Path, port: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            vraagbaak_command(
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
                "--corpus",
                str(corpus),
            ),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            response = httpx.get(f"{base}/health", timeout=5)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer /health within {timeout:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def one_request(client: httpx.Client, endpoint: str, question: str) -> tuple[bool, str, tuple]:
    """(ok, reason, cited chunk ids) for one request."""
    if endpoint == "/api/search":
        response = client.post(endpoint, json={"query": question, "k": 5})
        if response.status_code != 200:
            return False, f"HTTP {response.status_code}: {response.text[:200]}", ()
        return True, "", tuple(r["chunk_id"] for r in response.json()["results"])
    if endpoint == "/api/ask":
        response = client.post(endpoint, json={"question": question})
        if response.status_code != 200:
            return False, f"HTTP {response.status_code}: {response.text[:200]}", ()
        body = response.json()
        return True, "", tuple(c["chunk_id"] for c in body["citations"] + body["related"])
    with client.stream("POST", endpoint, json={"question": question}) as response:
        if response.status_code != 200:
            response.read()
            return False, f"HTTP {response.status_code}: {response.text[:200]}", ()
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ").strip()
                if event == "error":
                    return False, "stream sent `event: error`", ()
            elif line.startswith("data: ") and event == "done":
                body = json.loads(line.removeprefix("data: "))
                return True, "", tuple(c["chunk_id"] for c in body["citations"] + body["related"])
        return False, f"stream ended without `event: done` (last event: {event})", ()


def client_loop(
    base: str, number: int, questions: list[str], t0: float, deadline: float, run: Run
) -> None:
    rng = random.Random(number)
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        for count in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= deadline:
                return
            endpoint = ENDPOINTS[(number + count) % len(ENDPOINTS)]
            question = rng.choice(questions)
            started = time.monotonic()
            try:
                ok, reason, chunk_ids = one_request(client, endpoint, question)
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                ok, reason, chunk_ids = False, f"{exc.__class__.__name__}: {exc}", ()
            run.add(
                Result(endpoint, started - t0, time.monotonic() - started, ok, reason, chunk_ids)
            )


def watch_builds(base: str, t0: float, stop: threading.Event, run: Run) -> None:
    last = None
    with httpx.Client(base_url=base, timeout=10) as client:
        while not stop.wait(1.0):
            try:
                build = client.get("/health").json()["index_build"]
            except (httpx.HTTPError, ValueError, KeyError):
                continue
            if build != last:
                run.builds.append((time.monotonic() - t0, build))
                last = build


def reingest(
    corpus: Path, work: Path, data_dir: Path, env: dict[str, str], t0: float, run: Run
) -> None:
    copy = work / "corpus-changed"
    shutil.copytree(corpus, copy)
    target = sorted(p for p in copy.iterdir() if p.suffix in (".txt", ".md"))[0]
    with target.open("a", encoding="utf-8") as out:
        out.write(ADDED_SENTENCE)
    run.ingest["file"] = target.name
    run.ingest["started"] = time.monotonic() - t0
    done = subprocess.run(
        vraagbaak_command("ingest", str(copy), "--data-dir", str(data_dir), "--json"),
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    run.ingest["finished"] = time.monotonic() - t0
    run.ingest["returncode"] = done.returncode
    try:
        report = json.loads(done.stdout)
        run.ingest["build"] = report.get("build")
        run.ingest["indexed"] = report.get("indexed")
    except ValueError:
        run.ingest["output"] = (done.stdout + done.stderr)[-2000:]


ABUSE_TURNS = 16  # follow-ups per abusive conversation before it starts a new one
ABUSE_CHARS = 1990  # just under the question limit


def long_follow_up(rng: random.Random, words: list[str]) -> str:
    """ "en " and real question words up to ``ABUSE_CHARS`` characters."""
    parts = ["en"]
    length = 2
    while True:
        word = rng.choice(words)
        if length + 1 + len(word) > ABUSE_CHARS:
            return " ".join(parts)
        parts.append(word)
        length += 1 + len(word)


def abuser_loop(
    base: str, number: int, words: list[str], rate: float, deadline: float, run: Run
) -> None:
    """A client holding long conversations of long follow-ups, at most ``rate`` a second."""
    rng = random.Random(1000 + number)
    interval = 1.0 / rate
    conversation: str | None = None
    turn = 0
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            started = time.monotonic()
            if started >= deadline:
                return
            body: dict[str, Any] = {"question": long_follow_up(rng, words)}
            if conversation is not None:
                body["conversation_id"] = conversation
            try:
                response = client.post("/api/ask", json=body)
                status = response.status_code
                if status == 200:
                    conversation = response.json()["conversation_id"]
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                status, conversation = 0, None
                run.ingest.setdefault("abuse_errors", []).append(str(exc)[:200])
            elapsed = time.monotonic() - started
            run.add(Result(f"abuse:{status}", started, elapsed, status in (200, 422, 429, 503)))
            turn += 1
            if turn >= ABUSE_TURNS:
                conversation, turn = None, 0
            time.sleep(max(0.0, interval - elapsed))


def normal_client(
    base: str, questions: list[str], until: float, label: str, run: Run, stop_at_end: bool
) -> None:
    """Asks ``questions`` in order, one at a time, until ``until`` (or once through)."""
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        for count in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= until or (stop_at_end and count >= len(questions)):
                return
            started = time.monotonic()
            try:
                ok, reason, _ = one_request(client, "/api/ask", questions[count % len(questions)])
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                ok, reason = False, f"{exc.__class__.__name__}: {exc}"
            run.add(Result(label, started, time.monotonic() - started, ok, reason))


def abuse(base: str, args: argparse.Namespace, questions: list[str]) -> int:
    run = Run()
    order = questions[:]
    random.Random(18).shuffle(order)
    words = sorted({w for q in questions for w in q.replace("?", " ").split() if w.isalpha()})
    started = time.monotonic()
    normal_client(base, order, started + 600, "warm-up", run, stop_at_end=True)
    quiet_until = time.monotonic() + args.seconds / 2
    normal_client(base, order, quiet_until, "quiet", run, stop_at_end=False)
    deadline = time.monotonic() + args.seconds
    abusers = [
        threading.Thread(
            target=abuser_loop,
            args=(base, n, words, args.abuse_rate, deadline, run),
            daemon=True,
        )
        for n in range(args.abusers)
    ]
    for thread in abusers:
        thread.start()
    normal_client(base, order, deadline, "abused", run, stop_at_end=False)
    for thread in abusers:
        thread.join(timeout=REQUEST_TIMEOUT + 5)

    def times(label: str) -> list[float]:
        return [r.seconds * 1000 for r in run.results if r.endpoint == label and r.ok]

    quiet, abused = times("quiet"), times("abused")
    failed = [r for r in run.results if not r.ok]
    print(
        f"Abuse run: 1 normal client (/api/ask, gold questions in order) beside "
        f"{args.abusers} clients sending ~{ABUSE_CHARS}-character follow-ups, up to "
        f"{ABUSE_TURNS} turns a conversation, {args.abuse_rate:g} requests/s each; "
        f"load average before: {args.load_before}."
    )
    print("| normal client | requests | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for label, values in (("quiet", quiet), ("under abuse", abused)):
        print(
            f"| {label} | {len(values)} | {percentile(values, 0.5):.0f} | "
            f"{percentile(values, 0.95):.0f} | {max(values, default=0):.0f} |"
        )
    statuses = Counter(r.endpoint for r in run.results if r.endpoint.startswith("abuse:"))
    abuse_times = [r.seconds * 1000 for r in run.results if r.endpoint == "abuse:200"]
    print(
        "Abusive requests: "
        + ", ".join(f"{k.removeprefix('abuse:')}: {v}" for k, v in sorted(statuses.items()))
        + f"; answered p50 {percentile(abuse_times, 0.5):.0f} ms, "
        f"max {max(abuse_times, default=0):.0f} ms"
    )
    ratio = percentile(abused, 0.5) / max(percentile(quiet, 0.5), 1e-9)
    print(f"Normal client's p50 under abuse / quiet: {ratio:.2f}× (goal: at most 2×)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "quiet_ms": quiet,
                    "abused_ms": abused,
                    "abuse_statuses": dict(statuses),
                    "ratio": ratio,
                },
                indent=2,
            )
        )
    if failed:
        print(f"{len(failed)} requests failed, e.g. {failed[0].endpoint}: {failed[0].reason}")
        return 1
    return 0 if ratio <= 2.0 else 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(
    run: Run, args: argparse.Namespace, before: str, after: str, origin: str, server_log: Path
) -> int:
    print(
        f"Load test: {args.clients} clients for {args.seconds:.0f} s on 127.0.0.1 "
        f"(CPU cores: {os.cpu_count()}, load average before: {args.load_before})"
    )
    print(
        f"Index: {origin}. Rate limit raised for the test: "
        f"VRAAGBAAK_RATE_LIMIT_PER_MINUTE={RATE_LIMIT_PER_MINUTE}, "
        f"VRAAGBAAK_RATE_LIMIT_BURST={RATE_LIMIT_BURST}"
    )
    print()
    print(
        f"{'endpoint':<18} {'requests':>8} {'failed':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    )
    by_endpoint: dict[str, list[Result]] = defaultdict(list)
    for result in run.results:
        by_endpoint[result.endpoint].append(result)
    for endpoint in ENDPOINTS:
        rows = by_endpoint.get(endpoint, [])
        times = [r.seconds * 1000 for r in rows if r.ok]
        failed = sum(not r.ok for r in rows)
        print(
            f"{endpoint:<18} {len(rows):>8} {failed:>6} {percentile(times, 0.5):>8.0f} "
            f"{percentile(times, 0.95):>8.0f} {max(times, default=float('nan')):>8.0f}"
        )
    total = len(run.results)
    failures = [r for r in run.results if not r.ok]
    print(f"{'all':<18} {total:>8} {len(failures):>6}   ({total / args.seconds:.1f} requests/s)")
    print()
    ingest = run.ingest
    if ingest:
        print(
            f"Re-ingest: appended a sentence to {ingest.get('file')}; `vraagbaak ingest` ran "
            f"from t={ingest.get('started', 0):.1f} s to t={ingest.get('finished', 0):.1f} s, "
            f"exit {ingest.get('returncode')}, new build {ingest.get('build')}"
        )
        if "output" in ingest:
            print("  ingest output: " + ingest["output"])
    for when, build in run.builds:
        print(f"  t={when:5.1f} s  /health index_build = {build}")
    changed = before != after
    print(f"Index build before: {before}")
    print(f"Index build after:  {after}  ({'changed' if changed else 'NOT changed'})")
    around = [
        r
        for r in run.results
        if ingest and ingest.get("started", 0) <= r.started <= ingest.get("finished", 0) + 3
    ]
    print(
        f"Requests started while the re-ingest ran or within 3 s after: {len(around)}, "
        f"failed: {sum(not r.ok for r in around)}"
    )
    if len(run.builds) > 1:
        swap = run.builds[1][0]
        in_flight = [r for r in run.results if r.started <= swap <= r.started + r.seconds]
        later = [r for r in run.results if r.started > swap]
        print(
            f"Requests in flight when the new build was first seen (t={swap:.1f} s): "
            f"{len(in_flight)}, failed: {sum(not r.ok for r in in_flight)}; started after "
            f"it: {len(later)}, failed: {sum(not r.ok for r in later)}"
        )
    log_text = server_log.read_text("utf-8", "replace")
    print(
        f"Server log: {log_text.count('Traceback')} tracebacks, "
        f"{log_text.count('Switched to index build')} index switch(es) logged"
    )
    if failures:
        print()
        tracebacks = log_text.split("Traceback (most recent call last):")[1:]
        for traceback in tracebacks[:2]:  # the first ones say why; the rest repeat them
            print("Server traceback:" + traceback[-3000:])
        print("Failures:")
        for reason, count in Counter(r.reason for r in failures).most_common(20):
            first = min(r.started for r in failures if r.reason == reason)
            endpoints = sorted({r.endpoint for r in failures if r.reason == reason})
            print(f"  {count} × {', '.join(endpoints)} (first at t={first:.1f} s): {reason}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "clients": args.clients,
                    "seconds": args.seconds,
                    "before": before,
                    "after": after,
                    "ingest": ingest,
                    "builds": run.builds,
                    "endpoints": {
                        e: {
                            "requests": len(rows),
                            "failed": sum(not r.ok for r in rows),
                            "p50_ms": percentile([r.seconds * 1000 for r in rows if r.ok], 0.5),
                            "p95_ms": percentile([r.seconds * 1000 for r in rows if r.ok], 0.95),
                        }
                        for e, rows in by_endpoint.items()
                    },
                    "failures": [r.__dict__ for r in failures],
                },
                indent=2,
                default=str,
            )
        )
    if failures:
        return 1
    if not changed or ingest.get("returncode") != 0:
        print("The run is not valid: the re-ingest did not produce a new build while serving.")
        return 2
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="Data dir whose index is copied (default: ingest the corpus anew)",
    )
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--gold", type=Path, default=ROOT / "evals" / "gold" / "vraagbaak.jsonl")
    parser.add_argument(
        "--reingest-at",
        type=float,
        default=None,
        help="Seconds into the run to start the re-ingest (default 30 %%)",
    )
    parser.add_argument("--startup-timeout", type=float, default=180.0)
    parser.add_argument("--json", type=Path, default=None, help="Also write results as JSON")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary data dir")
    parser.add_argument(
        "--abuse", action="store_true", help="Measure a normal client beside abusive ones"
    )
    parser.add_argument("--abusers", type=int, default=16)
    parser.add_argument(
        "--abuse-rate",
        type=float,
        default=2.0,
        help="Requests a second per abusive client (default: the default rate limit, 120/min)",
    )
    args = parser.parse_args()
    if not 1 <= args.abusers <= 64 or not 0.1 <= args.abuse_rate <= 50:
        parser.error("--abusers must be 1..64 and --abuse-rate 0.1..50")
    if not 1 <= args.clients <= 64 or not 1 <= args.seconds <= 3600:
        parser.error("--clients must be 1..64 and --seconds 1..3600")
    args.load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    corpus = args.corpus.resolve()
    questions = load_questions(args.gold)
    env = os.environ | {
        "VRAAGBAAK_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT_PER_MINUTE),
        "VRAAGBAAK_RATE_LIMIT_BURST": str(RATE_LIMIT_BURST),
        "VRAAGBAAK_CORPUS_DIR": str(corpus),
    }
    env.pop("VRAAGBAAK_DATA_DIR", None)

    work = Path(tempfile.mkdtemp(prefix="vraagbaak-load-"))
    data_dir = work / "data"
    server: subprocess.Popen[bytes] | None = None
    failed = False
    try:
        origin = prepare_data_dir(args.data_dir, corpus, data_dir, env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server_log = work / "server.log"
        server = start_server(data_dir, corpus, port, env, server_log)
        try:
            before = wait_until_up(base, server, args.startup_timeout)["index_build"]
        except RuntimeError as exc:
            print(f"Server did not start: {exc}\n{server_log.read_text('utf-8', 'replace')}")
            return 2
        if args.abuse:
            status = abuse(base, args, questions)
            failed = status != 0
            return status
        run = Run()
        t0 = time.monotonic()
        deadline = t0 + args.seconds
        stop = threading.Event()
        watcher = threading.Thread(target=watch_builds, args=(base, t0, stop, run), daemon=True)
        watcher.start()
        clients = [
            threading.Thread(
                target=client_loop, args=(base, n, questions, t0, deadline, run), daemon=True
            )
            for n in range(args.clients)
        ]
        for thread in clients:
            thread.start()
        reingest_at = args.seconds * 0.3 if args.reingest_at is None else args.reingest_at
        time.sleep(max(0.0, t0 + reingest_at - time.monotonic()))
        ingester = threading.Thread(
            target=reingest, args=(corpus, work, data_dir, env, t0, run), daemon=True
        )
        ingester.start()
        for thread in clients:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
        ingester.join(timeout=900)
        time.sleep(3)  # the server's watcher looks every 2 s
        stop.set()
        watcher.join(timeout=15)
        after = httpx.get(f"{base}/health", timeout=10).json()["index_build"]
        status = report(run, args, before, after, origin, server_log)
        failed = status != 0
        return status
    finally:
        if server is not None:
            stop_server(server)
        if args.keep or failed:
            print(f"Kept {work} (server log: {work / 'server.log'})")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
