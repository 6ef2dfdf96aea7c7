"""voicecoach in the browser (``voicecoach serve``): agents upload or record takes and practise
on scripts, trainers publish scripts with benchmark takes, QA browses the result store.

A thin shell over the library: :func:`voicecoach.analysis.analyze`,
:func:`voicecoach.report.write_report`, :mod:`voicecoach.trainer.compare`, :mod:`voicecoach.qa.batch` and
:class:`voicecoach.qa.store.Store`. Its own tables (``web_*``) live in the store's database.

    tables.py    the web tables (users, sessions, login failures, scripts, takes, jobs)
    accounts.py  users, Argon2id hashes, sessions, sign-in rate limit
    security.py  who is asking (cookie or trusted header), CSRF, roles, response headers
    uploads.py   limits, type sniffed from content, content-hash storage
    jobqueue.py  the durable queue (web_jobs) and its process pool
    worker.py    inside a worker: recogniser built once; analyse, write the report page
    app.py       create_app(), sign-in, errors;  agent.py  qa.py  admin.py: the pages
"""

from voicecoach.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]


def create_app(config: WebConfig, **kw):
    from voicecoach.web.app import create_app as _create

    return _create(config, **kw)
