from django.http import HttpRequest, HttpResponse


def order_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("orders")


def public_order_lookup(request: HttpRequest) -> HttpResponse:
    return HttpResponse("lookup")
