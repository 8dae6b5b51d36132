"""Issue 17, item 7, "French": the dashboards and the admin's labels in English and in French,
chosen by the browser (Accept-Language) or by the switch in the header; the six elements for
success and the choices by their French names; the compiled catalog kept in step with its source."""

from __future__ import annotations

import html
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cases.choices import PartnerRole, SharingLevel, SuccessElementCode
from cases.models import EngagementPartner
from tests.factories import AlertFactory, BriefingFactory, FollowUpFactory

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
FRENCH_ELEMENTS = [
    "Alerte rapide",
    "Souplesse",
    "Partenariats",
    "Pérennité",
    "Évaluation",
    "Ressources",
]


def text_of(response) -> str:
    """The page's text, tags left out (a heading's words, not its markup)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def desk(client, staff):
    client.force_login(staff)
    return client


def test_the_compiled_catalog_is_the_one_its_source_gives():
    """The .mo files are committed (a fresh machine has no msgfmt): each says exactly what its
    .po says. Run ``manage.py compilemessages`` (or README, "Languages") after editing a .po."""
    sources = sorted(CATALOG.glob("*.po"))
    assert sources, "no French catalog"
    for source in sources:
        po = polib.pofile(str(source))
        mo = polib.mofile(str(source.with_suffix(".mo")))

        def entries(catalog):
            return {
                (e.msgctxt, e.msgid, e.msgid_plural): e.msgstr_plural or e.msgstr
                for e in catalog
                if e.msgid
                and (e.msgstr or any(e.msgstr_plural.values()))
                and "fuzzy" not in e.flags
            }

        def normalised(found):
            return {
                key: dict(value) if isinstance(value, dict) else value
                for key, value in found.items()
            }

        assert normalised(entries(mo)) == normalised(entries(po)), (
            f"{source.name} changed since it was compiled: run manage.py compilemessages"
        )
        assert not [e.msgid for e in po if "fuzzy" in e.flags], "fuzzy entries left"


def test_every_string_of_the_interface_has_its_french():
    """Django's own strings (admin, history) come from Django's catalogs; the project's are all
    translated, placeholders kept."""
    po = polib.pofile(str(CATALOG / "django.po"))
    django_own = {
        "Home",
        "Cancel",
        "Django site admin",
        "Django administration",
        "History",
        "Object",
        "Date/time",
        "Changed by",
        "Change reason",
        "Changes",
        "entry",
    }
    untranslated = [e.msgid for e in po.untranslated_entries() if e.msgid not in django_own]
    assert not untranslated
    for entry in po.translated_entries():
        for translated in [entry.msgstr, *entry.msgstr_plural.values()]:
            if translated:
                assert set(re.findall(r"%\(\w+\)s", translated)) == set(
                    re.findall(r"%\(\w+\)s", entry.msgid)
                ), entry.msgid


def test_english_stays_the_default(desk, world):
    response = desk.get(reverse("dashboards:overview"))
    assert response["Content-Language"] == "en-gb"
    assert '<html lang="en-gb">' in response.content.decode()
    assert "Warning-to-action overview" in text_of(response)


def test_a_french_browser_gets_the_overview_in_french(desk, world):
    response = desk.get(reverse("dashboards:overview"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    page = text_of(response)
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()
    assert "De l'alerte à l'action : vue d'ensemble" in page  # (a non-breaking space before ":")
    assert "Où en est-on" in page and "Situations ouvertes" in page
    # Tables and charts too: a column title, a figure title, a region by its French name.
    assert "Médiane (jours)" in page and "Situations ouvertes par région et risque" in page
    assert "Afrique" in page
    assert "Warning-to-action overview" not in page and "Where things stand" not in page


def test_a_french_browser_gets_a_situation_in_french_with_the_six_elements(desk, world):
    response = desk.get(reverse("dashboards:situation", args=["alpha"]), HTTP_ACCEPT_LANGUAGE="fr")
    page = text_of(response)
    for heading in [
        "De l'alerte à la première action",
        "Jalons et objectifs",
        "Chronologie",
        "Les acteurs et leurs rôles",
        "Évaluation sur les six éléments de succès",
    ]:
        assert heading in page
    # The six elements head the assessment's heat map by their French names.
    for name in FRENCH_ELEMENTS:
        assert name in page
    assert "Early warning" not in page and "Sustainability" not in page
    # TLP labels are never translated (TLP 2.0 names them).
    assert "TLP:GREEN" in page
    assert "Région" in page and "Bons offices" in page


def test_the_elements_page_names_the_six_elements_in_french(desk, world):
    page = text_of(desk.get(reverse("dashboards:elements"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Les six éléments de succès" in page
    for name in FRENCH_ELEMENTS:
        assert name in page


def test_the_switch_sets_the_language_for_the_next_pages(desk, world):
    overview = desk.get(reverse("dashboards:overview")).content.decode()
    # The switch is a form with a button per language, posting to set_language: no script.
    assert f'action="{reverse("set_language")}"' in overview
    assert 'name="language" value="fr"' in overview
    response = desk.post(
        reverse("set_language"), {"language": "fr", "next": reverse("dashboards:situations")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:situations")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    # The next page is French without any Accept-Language, then English again when switched.
    page = text_of(desk.get(reverse("dashboards:situations")))
    assert "Toutes les situations que vous pouvez voir" in page
    assert 'aria-pressed="true">Français' in desk.get(reverse("dashboards:alerts")).content.decode()
    desk.post(reverse("set_language"), {"language": "en-gb", "next": "/dashboard/"})
    assert "Every situation you may see" in text_of(desk.get(reverse("dashboards:situations")))


def test_the_switch_refuses_a_language_the_site_does_not_have(desk, world):
    desk.post(reverse("set_language"), {"language": "de", "next": "/dashboard/"})
    assert "Warning-to-action overview" in text_of(desk.get(reverse("dashboards:overview")))


def test_the_admin_shows_a_situation_with_french_labels_and_choices(desk, world):
    url = reverse("admin:cases_situation_change", args=[world.alpha.pk])
    response = desk.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    html = response.content.decode()
    # Field labels, the model's name and the choices of the main fields.
    for label in ["Type de crise", "Niveau de risque", "Stade du conflit", "Région", "Partage"]:
        assert f">{label}" in html, label
    assert "Modifier situation" in html or "Modification de situation" in html
    assert ">Afrique<" in html
    assert ">Crise constitutionnelle<" in html and ">Élevé<" in html
    # TLP labels stay as TLP 2.0 names them, and the switch is in the admin's header too.
    assert ">TLP:AMBER+STRICT<" in html
    assert 'action="/i18n/setlang/"' in html


def test_the_admin_lists_alerts_under_their_french_name(desk, world):
    html = desk.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert ">Alertes<" in html and ">Situations<" in html and ">Signes d&#x27;alerte<" in html


def test_choices_keep_their_english_labels_outside_a_french_request():
    """Lazy labels: each request gets its own language, the e-mails and jobs English."""
    assert str(SuccessElementCode.SUSTAINABILITY.label) == "Sustainability"
    with translation.override("fr"):
        assert str(SuccessElementCode.SUSTAINABILITY.label) == "Pérennité"
        assert str(SharingLevel.AMBER.label) == "TLP:AMBER"
    assert str(SuccessElementCode.SUSTAINABILITY.label) == "Sustainability"


def test_dates_follow_the_language(desk, world):
    """Django formats dates by the locale: a month's name in French on a French page."""
    # Foxtrot's warning is unanswered: "measured to <today>", a date Django formats.
    page = text_of(
        desk.get(reverse("dashboards:situation", args=["foxtrot"]), HTTP_ACCEPT_LANGUAGE="fr")
    )
    assert "mesuré au" in page
    assert re.search(
        r"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|"
        r"octobre|novembre|décembre) \d{4}",
        page,
    )


def test_the_overview_charts_legends_are_in_french(desk, world):
    """The charts' own words (legends, axis units) follow the page's language."""
    page = text_of(desk.get(reverse("dashboards:overview"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Ouverte (couleur pleine)" in page and "Prise en compte (pâle)" in page
    assert "Open (full colour)" not in page and "Acknowledged (pale)" not in page
    english = text_of(desk.get(reverse("dashboards:overview")))
    assert "Open (full colour)" in english and "Ouverte (couleur pleine)" not in english


def test_the_admin_actions_are_described_in_french(desk, world):
    AlertFactory(situation=world.alpha)
    url = reverse("admin:alerts_alert_changelist")
    html = desk.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Prendre en compte les alertes sélectionnées" in html
    assert "Résoudre les alertes sélectionnées" in html
    assert "Acknowledge selected alerts" not in html
    assert "Acknowledge selected alerts" in desk.get(url).content.decode()


def test_a_briefing_and_a_review_show_french_labels_in_the_admin(desk, world):
    briefing = BriefingFactory(situation=world.alpha)
    html = desk.get(
        reverse("admin:cases_briefing_change", args=[briefing.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    for label in ["Alerté le", "Précision de la date d&#x27;alerte", "Destinataire", "Résumé"]:
        assert f">{label}" in html, label
    assert "Quand le décideur a été alerté" in html  # a help text
    assert "Briefed on" not in html and "When the decision maker was alerted" not in html
    review = FollowUpFactory(review__situation=world.alpha).review
    html = desk.get(
        reverse("admin:cases_earlyactionreview_change", args=[review.pk]),
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert ">Tenu le" in html and ">Déclencheur" in html
    assert "Le jour où l'examen a eu lieu" in html  # help texts are not escaped
    # The follow-up inline: its name and its columns.
    assert "Actions de suivi" in html and "Échéance" in html
    assert "Held on" not in html and "Due on" not in html


def test_the_timelines_rows_and_its_csv_are_in_french(desk, world):
    """Not only the headings: each row of the warning signs and engagements table says what it
    is, how severe and who led, in the reader's language, in the page and in its CSV."""
    sign = world.alpha.indicators.get()
    sign.reported_by = world.partner
    sign.save()
    EngagementPartner.objects.create(
        engagement=world.alpha_action, actor=world.partner, role=PartnerRole.SUPPORTING
    )
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}

    page = html.unescape(
        text_of(desk.get(reverse("dashboards:situation", args=["alpha"]), **french))
    )
    csv = desk.get(reverse("dashboards:situation-export", args=["alpha", "events"]), **french)
    csv = re.sub(r"[^\S\n]+", " ", csv.content.decode())  # French puts a no-break space before ":"

    lead = world.alpha_action.lead_actor
    for text in (page, csv):
        assert "Signe d'alerte" in text
        assert "(gravité : Élevé)" in text
        assert "signalé par Partner organisation" in text
        assert f"Dirigé par {lead}" in text and "avec PARTNER (appui)" in text
        for english in ("Warning sign", "severity:", "reported by", "Led by", "; with"):
            assert english not in text
    header = csv.splitlines()[0]
    assert "Début (ISO 8601)" in header and "Fin (ISO 8601)" in header


def _french_text(client, url: str) -> str:
    """A page's or a CSV's text in French, its no-break spaces as plain ones."""
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200, url
    return re.sub(r"\s+", " ", html.unescape(text_of(response)))


# What the pages used to print in English under French headings.
ENGLISH_SENTENCES = (
    "so far",
    "cannot tell",
    "known to within",
    "has had no action",
    "severity or above",
    "within 7 days",
    "Any level",
    "All regions",
    "none recorded",
    "no warning",
)


def test_figures_sentences_and_filters_are_in_french_too(desk, world):
    """Not only the labels: the interval in words, the milestones and their targets, the
    overview's columns and counts, the alerts' sentences and the filters."""
    overview = _french_text(desk, reverse("dashboards:overview"))
    situation = _french_text(desk, reverse("dashboards:situation", args=["alpha"]))
    alerts = _french_text(desk, reverse("dashboards:alerts"))
    situations = _french_text(desk, reverse("dashboards:situations"))

    assert "Action en 7 jours" in overview and "Exclus : pas connus à 31 jours près" in overview
    assert "Toutes les régions" in overview
    assert "3 jours" in situation  # alpha's interval: a first warning, an action 3 days later
    assert "Émergence : le premier signe d'alerte" in situation
    assert "détecter en 7 jours" in situation and "Impossible à dire à cette précision" in situation
    assert "Tout niveau" in alerts and "Ouvertes et prises en compte" in alerts
    assert "sans action depuis" in alerts
    assert "aucun signe d'alerte" in situations  # a situation with no warning sign yet
    for page in (overview, situation, alerts, situations):
        for english in ENGLISH_SENTENCES:
            assert english not in page
