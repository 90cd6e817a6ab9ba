from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from homeward.places.models import Area, AreaLevel


@login_required
def district_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the districts of one province (reference data, no personal data)."""
    province = request.GET.get("province") or request.GET.get("person-province") or ""
    districts = Area.objects.none()
    if province.isdigit():
        districts = Area.objects.filter(parent_id=int(province), level=AreaLevel.DISTRICT)
    return render(request, "places/district_options.html", {"districts": districts})
