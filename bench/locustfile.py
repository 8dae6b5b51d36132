"""The load test's users, run by locust (``bench/load.py`` starts it headless in a process of its
own: locust patches the standard library with gevent, which the benchmark's own process must not
have). Who they are and where comes from the JSON file named by ``BENCH_LOAD_CONFIG``: the
partner token, the two logins and their password.

- ``PartnerSystem``: a partner's system on the REST API — lists, details, the changes feed, and
  writes: it creates one situation of its own, then updates it with ``If-Match`` (its own record,
  so a 412 is a failure, never a race between users);
- ``DeskOfficer`` and ``Reviewer``: a person on the dashboards, signed in through the login form.

Each request is named by its endpoint group, the figures' rows.
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from pathlib import Path

from locust import HttpUser, between, task

CONFIG = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text())
API = "/api/v1"


class PartnerSystem(HttpUser):
    weight = 3
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Token {CONFIG['token']}"
        self.ids: list[str] = []
        self.since = "0"
        self.own = str(uuid.uuid4())
        self.body = {
            "title": f"Load test situation {self.own[:8]}",
            "slug": f"load-{self.own}",
            "region": CONFIG["region"],
            "crisis_type": CONFIG["crisis_type"],
            "sharing": "green",
            "summary": "created by the load test",
        }
        with self.client.put(
            f"{API}/situations/{self.own}/",
            json=self.body,
            headers={"If-None-Match": "*"},
            name="api: PUT create",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            self.etag = response.headers.get("ETag", "")
        self.list_situations()

    @task(4)
    def list_situations(self) -> None:
        response = self.client.get(f"{API}/situations/?limit=50", name="api: list")
        if response.ok:
            self.ids = [row["id"] for row in response.json()["results"]] or self.ids

    @task(2)
    def list_signs(self) -> None:
        self.client.get(f"{API}/indicators/?limit=50", name="api: list")

    @task(4)
    def detail(self) -> None:
        if self.ids:
            self.client.get(f"{API}/situations/{random.choice(self.ids)}/", name="api: detail")

    @task(3)
    def changes(self) -> None:
        response = self.client.get(
            f"{API}/changes/?since={self.since}&limit=500", name="api: changes"
        )
        if response.ok:
            page = response.json()
            self.since = page["cursor"] if page["has_more"] else "0"

    @task(2)
    def update(self) -> None:
        self.body["summary"] = f"updated by the load test ({uuid.uuid4().hex[:6]})"
        with self.client.put(
            f"{API}/situations/{self.own}/",
            json=self.body,
            headers={"If-Match": self.etag},
            name="api: PUT If-Match",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                self.etag = response.headers.get("ETag", "")
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class _Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/dashboard/login/", name="dashboard: login")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        with self.client.post(
            "/dashboard/login/",
            data={
                "username": self.username,
                "password": CONFIG["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.client.base_url + "/dashboard/login/"},
            name="dashboard: login",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")
        self.slugs: list[str] = []

    @task(3)
    def overview(self) -> None:
        self.client.get("/dashboard/", name="dashboard: overview")

    @task(2)
    def situations(self) -> None:
        response = self.client.get("/dashboard/situations/", name="dashboard: situations")
        if response.ok:
            found = re.findall(r'href="/dashboard/situations/([-\w]+)/"', response.text)
            self.slugs = found or self.slugs

    @task(2)
    def situation(self) -> None:
        if self.slugs:
            slug = random.choice(self.slugs)
            self.client.get(f"/dashboard/situations/{slug}/", name="dashboard: situation")

    @task(1)
    def alerts(self) -> None:
        self.client.get("/dashboard/alerts/", name="dashboard: alerts")


class DeskOfficer(_Person):
    weight = 1
    username = CONFIG["desk"]


class Reviewer(_Person):
    weight = 1
    username = CONFIG["reviewer"]

    @task(1)
    def elements(self) -> None:
        self.client.get("/dashboard/elements/", name="dashboard: elements")
