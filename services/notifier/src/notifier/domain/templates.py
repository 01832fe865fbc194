"""Plain-language texts, in French (default) and English. The reasons they quote are said by the
wording catalogue (`libs/wording`), in the same language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from notifier.domain.model import Language
from notifier.domain.urgency import FEEDBACK, MATCH, DigestLine
from wording import render


@dataclass(frozen=True)
class MatchFacts:
    offer_id: str
    offer_title: str
    distance_km: float
    reasons: Sequence[str] = field(default_factory=tuple)  # said in the message's language
    note: str | None = None
    # A training the counsellor recommends, not an offer: `offer_title` is its title.
    training: bool = False


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    short: str = ""
    reasons: tuple[str, ...] = ()


_TEXT: dict[Language, dict[str, str]] = {
    Language.FR: {
        "match_title": "Une offre pour vous : {title}",
        "match_intro": "Nous avons trouvé une offre qui vous correspond : « {title} », à {km} km.",
        "why": "Pourquoi cette offre :",
        "note": "Le mot de votre conseiller : {note}",
        "match_short": (
            "Nouvelle offre pour vous : {title} ({km} km). Ouvrez Tremplin pour la voir."
        ),
        "relay_title": "À transmettre à {seeker} : {title}",
        "relay_intro": (
            "{seeker} n'a pas de smartphone : merci de lui transmettre cette offre, "
            "« {title} », à {km} km."
        ),
        "strong_title": "Très bonne piste pour {seeker} : {title}",
        "strong_intro": "Une offre correspond très bien à {seeker} : « {title} », à {km} km.",
        "review_title": "Alerte à valider pour {seeker} : {title}",
        "review_intro": (
            "Cette alerte attend votre accord avant d'être envoyée à {seeker} : « {title} », "
            "à {km} km."
        ),
        "digest_title": "Vos {count} nouvelles offres",
        "digest_intro": "Voici les offres qui vous correspondent :",
        "digest_line": "- {title} ({km} km) : {reason}",
        "digest_training": "- Formation recommandée par votre conseiller : {title}",
        "digest_short": "{count} nouvelles offres pour vous. Ouvrez Tremplin pour les voir.",
        "closed_title": "Offre retirée : {title}",
        "closed_intro": (
            "L'offre « {title} » n'est plus disponible. "
            "D'autres offres vous attendent dans Tremplin."
        ),
        "briefing_title": "Votre point du jour : {count} situations à regarder",
        "briefing_title_one": "Votre point du jour : 1 situation à regarder",
        "briefing_intro": "Les plus urgentes d'abord.",
        "briefing_match": (
            "- {seeker} : offre « {title} », dans un métier qui manque de candidats "
            "({pct} % des recrutements y sont difficiles)."
        ),
        "briefing_inactive": "- {seeker} : aucune activité depuis {days} jours.",
        "briefing_feedback": "- {seeker} a écarté l'offre « {title} » : « {reason} ».",
        "briefing_more": "... et {count} autres.",
        "feedback_title": "{seeker} a écarté une offre : {title}",
        "feedback_intro": (
            "{seeker} a indiqué que l'offre « {title} » n'est pas pour lui ou elle. "
            "Raison : « {reason} ». Ses prochaines suggestions en tiennent compte."
        ),
    },
    Language.EN: {
        "match_title": "A job for you: {title}",
        "match_intro": "We found a job offer that suits you: “{title}”, {km} km away.",
        "why": "Why this offer:",
        "note": "A word from your counsellor: {note}",
        "match_short": "New job for you: {title} ({km} km). Open Tremplin to see it.",
        "relay_title": "To pass on to {seeker}: {title}",
        "relay_intro": (
            "{seeker} has no smartphone: please pass on this offer, “{title}”, {km} km away."
        ),
        "strong_title": "Strong lead for {seeker}: {title}",
        "strong_intro": "An offer suits {seeker} very well: “{title}”, {km} km away.",
        "review_title": "Alert to review for {seeker}: {title}",
        "review_intro": (
            "This alert waits for your approval before it goes to {seeker}: "
            "“{title}”, {km} km away."
        ),
        "digest_title": "Your {count} new job offers",
        "digest_intro": "Here are the offers that suit you:",
        "digest_line": "- {title} ({km} km): {reason}",
        "digest_training": "- Training your counsellor recommends: {title}",
        "digest_short": "{count} new job offers for you. Open Tremplin to see them.",
        "closed_title": "Offer closed: {title}",
        "closed_intro": (
            "The offer “{title}” is no longer open. Other offers are waiting for you in Tremplin."
        ),
        "briefing_title": "Your daily briefing: {count} situations to look at",
        "briefing_title_one": "Your daily briefing: 1 situation to look at",
        "briefing_intro": "Most urgent first.",
        "briefing_match": (
            "- {seeker}: offer “{title}”, in an occupation short of candidates "
            "({pct}% of hirings there are difficult)."
        ),
        "briefing_inactive": "- {seeker}: no activity for {days} days.",
        "briefing_feedback": "- {seeker} turned down “{title}”: “{reason}”.",
        "briefing_more": "... and {count} more.",
        "feedback_title": "{seeker} turned down an offer: {title}",
        "feedback_intro": (
            "{seeker} said the offer “{title}” is not for them. Reason: “{reason}”. "
            "Their next suggestions take it into account."
        ),
    },
}


def feedback_reason_text(reason: str, language: Language = Language.FR) -> str:
    """A seeker's "not for me" (contracts' FeedbackReason), in their own words."""
    return render(reason, language)


def _km_in(language: Language, distance: float) -> str:
    if distance >= 1:
        return str(round(distance))
    return "moins de 1" if language is Language.FR else "less than 1"


def _reasons(text: dict[str, str], reasons: Sequence[str]) -> list[str]:
    return [text["why"], *(f"- {reason}" for reason in reasons)] if reasons else []


def match_message(facts: MatchFacts, language: Language = Language.FR) -> Message:
    text = _TEXT[language]
    values = {"title": facts.offer_title, "km": _km_in(language, facts.distance_km)}
    lines = [text["match_intro"].format(**values), *_reasons(text, facts.reasons)]
    if facts.note:
        lines.append(text["note"].format(note=facts.note))
    return Message(
        title=text["match_title"].format(**values),
        body="\n".join(lines),
        short=text["match_short"].format(**values),
        reasons=tuple(facts.reasons),
    )


def closed_message(facts: MatchFacts, language: Language = Language.FR) -> Message:
    """An offer the seeker was told about no longer takes candidates."""
    text = _TEXT[language]
    intro = text["closed_intro"].format(title=facts.offer_title)
    return Message(
        title=text["closed_title"].format(title=facts.offer_title), body=intro, short=intro
    )


def counsellor_message(
    kind: str, facts: MatchFacts, seeker_id: str, language: Language = Language.FR
) -> Message:
    """kind: relay (seeker without smartphone), strong (strong match), review (held alert)."""
    text = _TEXT[language]
    values = {
        "title": facts.offer_title,
        "km": _km_in(language, facts.distance_km),
        "seeker": seeker_id,
    }
    lines = [text[f"{kind}_intro"].format(**values), *_reasons(text, facts.reasons)]
    return Message(
        title=text[f"{kind}_title"].format(**values),
        body="\n".join(lines),
        reasons=tuple(facts.reasons),
    )


def feedback_message(
    seeker_id: str, offer_title: str, reason: str, language: Language = Language.FR
) -> Message:
    """A seeker's "not for me", for their counsellor's live feed."""
    text = _TEXT[language]
    values = {
        "seeker": seeker_id,
        "title": offer_title,
        "reason": feedback_reason_text(reason, language),
    }
    return Message(
        title=text["feedback_title"].format(**values), body=text["feedback_intro"].format(**values)
    )


def digest_message(items: Sequence[MatchFacts], language: Language = Language.FR) -> Message:
    text = _TEXT[language]
    lines = [text["digest_intro"]]
    for item in items:
        if item.training:
            lines.append(text["digest_training"].format(title=item.offer_title))
            continue
        reason = item.reasons[0] if item.reasons else ""
        lines.append(
            text["digest_line"]
            .format(title=item.offer_title, km=_km_in(language, item.distance_km), reason=reason)
            .rstrip(" :")
        )
    return Message(
        title=text["digest_title"].format(count=len(items)),
        body="\n".join(lines),
        short=text["digest_short"].format(count=len(items)),
    )


def counsellor_digest_message(
    lines: Sequence[DigestLine], language: Language = Language.FR, max_lines: int = 30
) -> Message:
    """A counsellor's daily briefing, lines already sorted by urgency."""
    text = _TEXT[language]
    body = [text["briefing_intro"]]
    for line in lines[:max_lines]:
        if line.kind == MATCH:
            body.append(
                text["briefing_match"].format(
                    seeker=line.seeker_id,
                    title=line.offer_title,
                    pct=round(line.tension_pct or 0),
                )
            )
        elif line.kind == FEEDBACK:
            body.append(
                text["briefing_feedback"].format(
                    seeker=line.seeker_id,
                    title=line.offer_title or line.offer_id,
                    reason=feedback_reason_text(line.reason or "", language),
                )
            )
        else:
            body.append(
                text["briefing_inactive"].format(seeker=line.seeker_id, days=line.days_inactive)
            )
    if len(lines) > max_lines:
        body.append(text["briefing_more"].format(count=len(lines) - max_lines))
    title = text["briefing_title_one" if len(lines) == 1 else "briefing_title"]
    return Message(title=title.format(count=len(lines)), body="\n".join(body))


TRAINING_TEXT: dict[Language, dict[str, str]] = {
    Language.FR: {
        "title": "Votre conseiller vous recommande une formation : {title}",
        "intro": "Votre conseiller vous recommande la formation « {title} »{where}{when}.",
        "where": " à {city}",
        "when": ", qui commence le {day:%d/%m/%Y}",
        "more": "Ses dates, son coût, son financement et la page de l'organisme sont dans "
        "Tremplin, rubrique « Formations ».",
        "short": "Votre conseiller vous recommande une formation : {title}. Ouvrez Tremplin.",
    },
    Language.EN: {
        "title": "Your counsellor recommends a training: {title}",
        "intro": "Your counsellor recommends the training “{title}”{where}{when}.",
        "where": " in {city}",
        "when": ", starting on {day:%d %B %Y}",
        "more": "Its dates, cost, funding and the training body's page are in Tremplin, "
        "under “Trainings”.",
        "short": "Your counsellor recommends a training: {title}. Open Tremplin.",
    },
}


def training_message(
    title: str,
    city: str | None,
    starts_on: date | None,
    note: str | None,
    language: Language = Language.FR,
) -> Message:
    """A training the seeker's counsellor recommends, with their note."""
    text = TRAINING_TEXT[language]
    where = text["where"].format(city=city) if city else ""
    when = text["when"].format(day=starts_on) if starts_on else ""
    lines = [text["intro"].format(title=title, where=where, when=when)]
    if note:
        lines.append(_TEXT[language]["note"].format(note=note))
    lines.append(text["more"])
    return Message(
        title=text["title"].format(title=title),
        body="\n".join(lines),
        short=text["short"].format(title=title),
    )
