"""``micromacro suggest`` on the checkouts of hosted shops and on forms posted to several paths
(README: micromacro suggest): the purchase is the page of thanks after the checkout, not its
payment page, and one form under many job postings is one goal.

Figures are counted by hand from the logs each test writes (one visitor per address, a hit
every 30 s, a post answered 303: ``tests.test_suggest._flows``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from micromacro.goals import Goal, NumberCondition, StringMatcher
from micromacro.suggest import Suggestion
from tests.test_suggest import _flows, _suggest


def _proposed(suggestion: Suggestion) -> list[tuple[str, str, str | None, object, int]]:
    """Each proposed goal: name, kind, category, its matcher, sessions."""
    return [(s.goal.name, s.goal.kind, s.goal.category, _matcher(s.goal), s.evidence.sessions)
            for s in suggestion.goals]  # fmt: skip


def _matcher(goal: Goal) -> object:
    """A goal's string matcher (a path's, a post's label), else its condition."""
    if goal.destination is not None:
        return goal.destination.matcher
    if goal.event is not None:
        return goal.event.label or goal.event.action
    return goal.condition


def _shopify(token: int, end: list[str]) -> list[str]:
    """A visit of a Shopify shop up to its payment posted, then ``end`` (where ``{c}`` is the
    checkout's folder)."""
    checkout = f"/checkouts/cn/{token}"
    steps = ["/products/sock", "POST /cart/add", "/cart", "POST /cart", f"{checkout}/information",
             f"{checkout}/payment", f"POST {checkout}/payment"]  # fmt: skip
    return [*steps, *(step.format(c=checkout) for step in end)]


def test_the_purchase_of_a_shopify_shop_is_its_thank_you_page(tmp_path: Path) -> None:
    """8 visits pay, wait on /processing and reach the thank-you page; 4 have the payment
    declined and are sent back to /payment. The payment page (the last page of those 4, after
    a checkout page in its other views) was the purchase, counting declined payments."""
    bought = [_shopify(1000 + k, ["{c}/processing", "{c}/thank-you"]) for k in range(8)]
    declined = [_shopify(2000 + k, ["{c}/payment"]) for k in range(4)]
    flows = [*((1, f) for f in bought), *((1, f) for f in declined), (8, ["/", "/products/hat"])]
    suggestion = _suggest(str(_flows(tmp_path, flows)))
    checkout = r"/checkouts/cn/[^/]*/"
    assert _proposed(suggestion) == [
        ("purchase", "macro", None, StringMatcher("glob", "/checkouts/cn/*/thank-you"), 8),
        ("add_to_cart", "micro", "process_milestone", StringMatcher("equals", "/cart/add"), 12),
        ("checkout_started", "micro", "process_milestone", StringMatcher(
            "regex", f"^({checkout}information|{checkout}payment|{checkout}processing)$"), 12),
        # Pageviews of the 20 sessions: 6 × 8, 5 × 4, 2 × 8; the 15th is 6: 6 pages or more.
        # (Durations: 240 s × 8, 210 s × 4, 30 s × 8; none is longer than the 15th, 4m.)
        ("engaged_visit", "micro", "secondary_action", NumberCondition(greater_than=5), 8),
    ]  # fmt: skip
    assert suggestion.goals[0].evidence.why == (
        "a confirmation page by its name; right after a checkout page in 8 of 8 views; never a "
        "landing page; the last page of 8 of 8 sessions"
    )


@pytest.mark.parametrize(
    ("page", "glob"),
    [
        ("{c}/thank-you", "/checkouts/cn/*/thank-you"),
        ("{c}/thank_you", "/checkouts/cn/*/thank_you"),
        ("{c}/thanks", "/checkouts/cn/*/thanks"),
        ("{c}/confirmation", "/checkouts/cn/*/confirmation"),
        ("{c}/success", "/checkouts/cn/*/success"),
        ("{c}/order-received", "/checkouts/cn/*/order-received"),
    ],
)
def test_a_page_of_thanks_after_a_processing_page_is_the_purchase(
    page: str, glob: str, tmp_path: Path
) -> None:
    """With no payment declined, the /processing page between the payment posted and the page
    of thanks hid it (a templated page needed a post right before it): the post was the
    purchase, counting attempts."""
    flows = [(1, _shopify(1000 + k, ["{c}/processing", page])) for k in range(6)]
    suggestion = _suggest(str(_flows(tmp_path, [*flows, (4, ["/", "/products/hat"])])))
    macro = [entry for entry in _proposed(suggestion) if entry[1] == "macro"]
    assert macro == [("purchase", "macro", None, StringMatcher("glob", glob), 6)]


def test_a_page_a_declined_payment_is_sent_back_to_is_no_purchase(tmp_path: Path) -> None:
    """/payment follows the checkout page in 12 of its 16 views and ends the 4 visits whose
    payment was declined (sent back to it by the post): a confirmation by its place, and the
    second purchase, until a page shown again after a form posted from it is the form."""
    steps = ["/products/sock", "/checkout", "/payment", "POST /payment"]
    flows = [(8, [*steps, "/thank-you"]), (4, [*steps, "/payment"]), (8, ["/", "/products/hat"])]
    suggestion = _suggest(str(_flows(tmp_path, flows)))
    assert _proposed(suggestion) == [
        ("purchase", "macro", None, StringMatcher("equals", "/thank-you"), 8),
        ("checkout_started", "micro", "process_milestone", StringMatcher("equals", "/checkout"),
         12),
        # Pageviews: 4 × 12 (the declined visits see /payment twice), 2 × 8: the 15th is 4.
        ("engaged_visit", "micro", "secondary_action", NumberCondition(greater_than=3), 12),
    ]  # fmt: skip


def _applications(jobs: dict[str, int]) -> list[tuple[int, list[str]]]:
    """Visits of the job list, a job posting, and its form posted, ``jobs[slug]`` times each."""
    return [(n, ["/careers", f"/careers/{job}", f"POST /careers/{job}/apply"])
            for job, n in jobs.items()]  # fmt: skip


@pytest.mark.parametrize(
    ("jobs", "others"),
    [
        # Five postings: /careers/* but account-executive, a slug holding a step's word.
        (
            dict.fromkeys(["sre", "product-designer", "backend-engineer", "data-analyst"], 2)
            | {"account-executive": 3},
            0,
        ),
        # Four postings are too few for a slug: each was a goal of its own.
        ({"account-executive": 4, "sre": 3, "backend-engineer": 2, "product-designer": 2}, 6),
    ],
)
def test_one_form_under_every_job_posting_is_one_goal(
    jobs: dict[str, int], others: int, tmp_path: Path
) -> None:
    """The application posted under each job is one goal of the 11 sessions that apply: it was
    one per posting kept apart (application_2 of 3 sessions beside application), and the two
    macro goals counted the same sessions twice."""
    log = _flows(tmp_path, [*_applications(jobs), (others, ["/", "/about"])])
    suggestion = _suggest(str(log))
    assert _proposed(suggestion) == [
        ("application", "macro", None, StringMatcher("glob", "/careers/*/apply"), 11),
    ]  # visits of 2 pages, 30 s apart: no pages or duration goal that 2 sessions pass
    assert suggestion.goals[0].evidence.why == (
        "a form post to an application path, answered below 400: 11 posts in 11 sessions"
    )


def test_forms_that_differ_in_what_they_are_for_stay_apart(tmp_path: Path) -> None:
    """A segment naming a goal is no item of a list: the contact and the quote posted under
    /forms are two goals."""
    flows = [(3, ["/", "POST /forms/contact/submit"]), (4, ["/", "POST /forms/quote/submit"])]
    assert _proposed(_suggest(str(_flows(tmp_path, flows)))) == [
        ("quote_request", "macro", None, StringMatcher("equals", "/forms/quote/submit"), 4),
        ("contact_lead", "macro", None, StringMatcher("equals", "/forms/contact/submit"), 3),
    ]


def test_an_account_created_on_a_shop_is_a_micro_sign_up(tmp_path: Path) -> None:
    """Shopify posts a new account to /account from /account/register and shows /account: a
    confirmation by its place, for what the form's page says (a sign-up), so a micro goal on a
    site that sells. Neither /account nor its post names a goal: it was a macro goal of its
    own, conversion_account."""
    flows = [
        (6, ["/products/sock", "POST /cart/add", "/checkout", "POST /checkout/pay",
             "/checkout/thank-you"]),
        (4, ["/", "/account/register", "POST /account", "/account"]),
        (4, ["/", "/products/hat"]),
    ]  # fmt: skip
    suggestion = _suggest(str(_flows(tmp_path, flows)))
    assert _proposed(suggestion) == [
        ("purchase", "macro", None, StringMatcher("equals", "/checkout/thank-you"), 6),
        ("add_to_cart", "micro", "process_milestone", StringMatcher("equals", "/cart/add"), 6),
        ("checkout_started", "micro", "process_milestone", StringMatcher("equals", "/checkout"),
         6),
        ("signup", "micro", "secondary_action", StringMatcher("equals", "/account"), 4),
        # Pageviews of the 14 sessions: 3 × 10, 2 × 4; the 11th is 3: 3 pages or more.
        ("engaged_visit", "micro", "secondary_action", NumberCondition(greater_than=2), 10),
    ]  # fmt: skip


def _macro(suggestion: Suggestion) -> list[tuple[str, object, int]]:
    return [(s.goal.name, _matcher(s.goal), s.evidence.sessions)
            for s in suggestion.goals if s.goal.kind == "macro"]  # fmt: skip


def test_a_job_boards_applications_are_a_macro_goal_its_sign_ups_a_step(tmp_path: Path) -> None:
    """A job board: 6 candidates sign up and apply, 3 apply without signing up, 4 employers
    get in touch. The applications (9) and the contacts (4) are the macro goals; the sign-up is
    micro (a third macro candidate)."""
    flows = [
        (6, ["/jobs", "/register", "POST /register", "/welcome", "/jobs/1", "POST /jobs/1/apply",
             "/jobs/1/applied"]),
        (3, ["/jobs", "/jobs/2", "POST /jobs/2/apply", "/jobs/2/applied"]),
        (4, ["/", "/contact", "POST /contact", "/contact/thanks"]),
        (5, ["/", "/jobs"]),
    ]  # fmt: skip
    suggestion = _suggest(str(_flows(tmp_path, flows)))
    assert _macro(suggestion) == [
        ("contact_lead", StringMatcher("equals", "/contact/thanks"), 4),
        ("application", StringMatcher("glob", "/jobs/*/applied"), 9),
    ]
    signup = next(s for s in suggestion.goals if s.goal.name == "signup")
    assert (signup.goal.kind, signup.evidence.sessions) == ("micro", 6)


def test_a_page_of_thanks_shown_again_after_another_form_stays_the_purchase(
    tmp_path: Path,
) -> None:
    """9 buyers reach /checkout/thank-you after the checkout posted; one of them then answers a
    survey from it and is shown it again. One view of 10 after a post from itself does not make
    the page a form (the purchase was lost, and with it the funnel)."""
    flows = [
        (8, ["/product", "/checkout", "POST /checkout", "/checkout/thank-you"]),
        (1, ["/product", "/checkout", "POST /checkout", "/checkout/thank-you", "POST /survey",
             "/checkout/thank-you"]),
        (6, ["/", "/product"]),
    ]  # fmt: skip
    suggestion = _suggest(str(_flows(tmp_path, flows)))
    assert _macro(suggestion) == [
        ("purchase", StringMatcher("equals", "/checkout/thank-you"), 9),
    ]


def test_a_page_of_thanks_of_several_forms_takes_none_of_their_intents(tmp_path: Path) -> None:
    """One form handler for every form: POST /form/submit, then /thank-you, sent from
    /account/register 5 times, /contact 4 times and /request-demo 3 times. The page is not a
    sign-up because most of its forms were (5 of 12 is no 80 %): it is a conversion of its own."""
    flows = [
        (5, ["/account/register", "POST /form/submit", "/thank-you"]),
        (4, ["/contact", "POST /form/submit", "/thank-you"]),
        (3, ["/request-demo", "POST /form/submit", "/thank-you"]),
        (6, ["/", "/about"]),
    ]
    suggestion = _suggest(str(_flows(tmp_path, flows)))
    assert _macro(suggestion) == [
        ("conversion_thank_you", StringMatcher("equals", "/thank-you"), 12),
    ]


def test_a_subscription_paid_through_a_checkout_is_a_purchase(tmp_path: Path) -> None:
    """A publisher: 6 visits pay for a subscription (/subscribe, its checkout, the payment
    posted, /subscribe/thank-you); 9 sign up for the free newsletter. The paid subscription is
    the purchase, though "subscribe" is a newsletter's word; the newsletter is micro."""
    flows = [
        (6, ["/news/a", "/subscribe", "/subscribe/checkout", "POST /subscribe/checkout",
             "/subscribe/thank-you"]),
        (9, ["/news/b", "POST /newsletter", "/newsletter/confirmed"]),
        (5, ["/news/c", "/news/d"]),
    ]  # fmt: skip
    suggestion = _suggest(str(_flows(tmp_path, flows)))
    assert _macro(suggestion) == [
        ("purchase", StringMatcher("equals", "/subscribe/thank-you"), 6),
    ]
    newsletter = next(s for s in suggestion.goals if s.goal.name.startswith("newsletter"))
    assert (newsletter.goal.kind, newsletter.evidence.sessions) == ("micro", 9)


def test_a_page_of_thanks_after_a_checkout_page_stays_the_purchase_when_seen_again(
    tmp_path: Path,
) -> None:
    """The payment happens off-site: /checkout, then /order/success. 9 buyers; one answers a
    survey from the page and sees it again. 1 of its 10 views after a post or a checkout page
    is no form's (the purchase and its funnel were lost: the views after the checkout page were
    left out of the count)."""
    flows = [
        (8, ["/product", "POST /cart/add", "/cart", "/checkout", "/order/success"]),
        (1, ["/product", "POST /cart/add", "/cart", "/checkout", "/order/success",
             "POST /order/survey", "/order/success"]),
        (6, ["/", "/product"]),
    ]  # fmt: skip
    suggestion = _suggest(str(_flows(tmp_path, flows)))
    assert _macro(suggestion) == [
        ("purchase", StringMatcher("equals", "/order/success"), 9),
    ]
