from __future__ import annotations

import logging
import re
import signal
import threading
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from partners.models import Partner

from ...models import SyncSource
from ...remote import RemoteFeed
from ...services import SyncError, run_sync

EVERY = re.compile(r"^(\d+)\s*([smh]?)$")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


def parse_every(text: str) -> timedelta:
    """``60s``, ``5m``, ``1h`` or plain seconds."""
    match = EVERY.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise CommandError(f"--every {text!r}: give a positive duration such as 60s, 5m or 1h")
    return timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])


class Command(BaseCommand):
    help = (
        "Pull another tracker's change feed and apply it here: records keep their ids and their "
        "label, a record changed on both sides becomes a conflict for a desk officer "
        "(admin → Sync conflicts). Once, or every --every; the periodic task pulls the saved "
        "sources too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "url", help="The other tracker's address, e.g. https://ews.example.org/"
        )
        parser.add_argument(
            "--token", help="A read token the other tracker issued to us (saved for next runs)"
        )
        parser.add_argument(
            "--partner",
            help="Our partner organisation that runs the other tracker: the source of the "
            "records pulled (by name; saved)",
        )
        parser.add_argument(
            "--every", help="Pull again at this interval (60s, 5m, 1h) until Ctrl-C"
        )

    def handle(self, *args, url, token, partner, every, **options):
        # The command prints what each run did; httpx's line per request would bury it (and a
        # refusal's one-line reason).
        logging.getLogger("httpx").setLevel(logging.WARNING)
        interval = parse_every(every) if every else None
        source = self._source(url.rstrip("/") + "/", token, partner, interval)
        stop = threading.Event()
        if interval is not None:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
        while True:
            try:
                outcome = run_sync(source, RemoteFeed(source.url, source.token))
            except SyncError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"{source.url}: {outcome}")
            for reason in outcome.reasons:
                self.stderr.write(f"  skipped {reason}")
            if interval is None or stop.wait(interval.total_seconds()):
                return

    def _source(self, url: str, token: str | None, partner: str | None, interval) -> SyncSource:
        source = SyncSource.objects.filter(url=url).first()
        if source is None and not token:
            raise CommandError(f"{url} is not a saved source: give --token")
        source = source or SyncSource(url=url)
        if token:
            source.token = token
        if partner:
            found = Partner.objects.filter(name=partner).first()
            if found is None:
                raise CommandError(f"No partner organisation is named {partner!r}")
            source.partner = found
        if interval is not None:
            source.interval = interval
        if token:
            # A new address or token is checked before it is saved (one request).
            try:
                RemoteFeed(url, source.token).check()
            except SyncError as error:
                raise CommandError(str(error)) from error
        source.full_clean()
        source.save()
        return source
