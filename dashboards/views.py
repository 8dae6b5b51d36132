"""Dashboard views: thin. Bind the URL's filters, take the viewer's clearance, call a page builder."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from alerts.models import Alert
from alerts.services import acknowledge
from cases.models import Paragraph
from cases.sharing import restrict_to_clearance
from partners.clearance import clearance_for_user, works_in_admin_only

from . import brief, pages
from .filters import AlertFilters, ElementFilters, SituationFilters, bind, querystring
from .selectors import situation as situation_selectors
from .tables import csv_response

LOGIN_URL = reverse_lazy("dashboards:login")


class LoginView(auth_views.LoginView):
    template_name = "dashboards/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # Through the root, which lands each role where it works.
        return reverse("home")


class HomeView(View):
    """The site's root: desk officers, reviewers and partners' staff work on the dashboards; an
    administrator or a user manager with no other role in the admin; anyone else logs in first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), LOGIN_URL)
        if user.is_staff and (user.is_superuser or works_in_admin_only(user)):
            return HttpResponseRedirect(reverse("admin:index"))
        return HttpResponseRedirect(reverse("dashboards:overview"))


class LogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


class DashboardView(LoginRequiredMixin, View):
    login_url = LOGIN_URL
    template_name = ""
    filter_class: type[SituationFilters] | None = None
    section = ""

    def render(self, request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
        context.setdefault("section", self.section)
        return render(request, self.template_name, context, status=status)

    def filters(self, request: HttpRequest) -> SituationFilters:
        return bind(self.filter_class, request.GET)

    def page_number(self, request: HttpRequest) -> int:
        try:
            return max(int(request.GET.get("page", "1")), 1)
        except ValueError:
            return 1

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        clearance = clearance_for_user(request.user)
        filters = self.filters(request) if self.filter_class else None
        context = {"clearance": clearance, "filters": filters}
        if filters is not None:
            context["query"] = querystring(filters)
            if not filters.is_valid():
                # Bad filters: say which, show no figure computed from half-read input.
                return self.render(request, {**context, "invalid": True}, status=400)
        context.update(self.build(request, clearance, filters, *args, **kwargs))
        return self.render(request, context)

    def build(self, request, clearance, filters, *args, **kwargs) -> dict:
        raise NotImplementedError


class OverviewView(DashboardView):
    template_name = "dashboards/overview.html"
    filter_class = SituationFilters
    section = "overview"

    def build(self, request, clearance, filters):
        return pages.overview_page(clearance, filters)


class SituationListView(DashboardView):
    template_name = "dashboards/situations.html"
    filter_class = SituationFilters
    section = "situations"

    def build(self, request, clearance, filters):
        page = self.page_number(request)
        return {"table": pages.situations_table(clearance, filters, page=page), "page": page}


class SituationView(DashboardView):
    template_name = "dashboards/situation.html"
    section = "situations"

    def build(self, request, clearance, filters, slug):
        page = pages.situation_page(clearance, slug)
        user = request.user
        may_edit = user.is_staff and user.has_perm("cases.change_situation")
        return {
            **page,
            "can_acknowledge": user.has_perm("alerts.change_alert"),
            # "Edit in admin" beside each alert and review, for those who may change them there.
            "can_edit_alerts": user.is_staff and user.has_perm("alerts.change_alert"),
            "can_edit_reviews": user.is_staff and user.has_perm("cases.change_earlyactionreview"),
            "edit_url": reverse("admin:cases_situation_change", args=[page["situation"].pk])
            if may_edit
            else "",
        }


class SituationBriefView(LoginRequiredMixin, View):
    """The situation page as a printable brief (PDF, A4), built from the same page context under
    the same clearance: a situation the viewer may not see answers 404, like the page. Without
    the renderer's system libraries it answers 503 saying what to install."""

    login_url = LOGIN_URL

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        context = pages.situation_page(clearance_for_user(request.user), slug)
        page_url = request.build_absolute_uri(reverse("dashboards:situation", args=[slug]))
        html = render_to_string(
            "dashboards/brief.html",
            {**context, "generated_at": timezone.now(), "page_url": page_url},
            request=request,
        )
        try:
            pdf = brief.render_pdf(html, base_url=page_url)
        except brief.RendererUnavailable as error:
            return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{slug}-brief.pdf"'
        # A labelled document (TLP): the reader's browser may keep it, no shared cache may.
        patch_cache_control(response, private=True)
        return response


class ElementsView(DashboardView):
    template_name = "dashboards/elements.html"
    filter_class = ElementFilters
    section = "elements"

    def build(self, request, clearance, filters):
        page = self.page_number(request)
        return {**pages.elements_page(clearance, filters, page), "page": page}


class AlertsView(DashboardView):
    template_name = "dashboards/alerts.html"
    filter_class = AlertFilters
    section = "alerts"

    def build(self, request, clearance, filters):
        return {
            **pages.alerts_page(clearance, filters),
            "can_acknowledge": request.user.has_perm("alerts.change_alert"),
        }


@method_decorator(require_POST, name="dispatch")
class AcknowledgeView(LoginRequiredMixin, View):
    """Acknowledge one alert from the queue or the situation page (CSRF-checked POST)."""

    login_url = LOGIN_URL

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("alerts.change_alert"):
            raise PermissionDenied("You may not acknowledge alerts.")
        clearance = clearance_for_user(request.user)
        alert = get_object_or_404(
            restrict_to_clearance(Alert.objects, clearance, "situation"), pk=pk
        )
        comment = request.POST.get("comment", "").strip()[:2000]
        changed = acknowledge(Alert.objects.filter(pk=alert.pk), request.user, comment)
        if changed:
            messages.success(request, _("Acknowledged: %(alert)s.") % {"alert": alert})
        else:
            messages.info(
                request, _("Already acknowledged or resolved: %(alert)s.") % {"alert": alert}
            )
        return HttpResponseRedirect(self._next(request))

    def _next(self, request: HttpRequest) -> str:
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse("dashboards:alerts")


class ParagraphView(LoginRequiredMixin, View):
    """A paragraph of the source report; ``?fragment=1`` gives just its text for the pop-in."""

    login_url = LOGIN_URL

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        paragraph = get_object_or_404(Paragraph.objects.select_related("document"), pk=pk)
        template = (
            "dashboards/paragraph_fragment.html"
            if request.GET.get("fragment")
            else "dashboards/paragraph.html"
        )
        return render(request, template, {"paragraph": paragraph})


class ExportView(LoginRequiredMixin, View):
    """Any dashboard table as CSV (or HXL: ``hxl``), under the same filters and clearance as its
    page."""

    login_url = LOGIN_URL
    hxl = False

    def get(self, request: HttpRequest, table: str) -> HttpResponse:
        if table not in pages.EXPORTS:
            raise Http404("No such table.")
        filter_class, build = pages.EXPORTS[table]
        filters = bind(filter_class, request.GET)
        if not filters.is_valid():
            return HttpResponse(
                "Invalid filters: "
                + "; ".join(f"{k}: {' '.join(v)}" for k, v in filters.errors.items()),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return csv_response(build(clearance_for_user(request.user), filters), hxl=self.hxl)


class SituationExportView(LoginRequiredMixin, View):
    login_url = LOGIN_URL
    hxl = False

    def get(self, request: HttpRequest, slug: str, table: str) -> HttpResponse:
        if table not in pages.SITUATION_EXPORTS:
            raise Http404("No such table.")
        clearance = clearance_for_user(request.user)
        picture = situation_selectors.picture(clearance, slug)
        return csv_response(
            pages.situation_tables(clearance, picture)[table], f"{slug}-{table}", hxl=self.hxl
        )
