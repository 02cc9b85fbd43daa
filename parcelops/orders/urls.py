from django.urls import path

from parcelops.orders import action_views, views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("review/", views.review_queue, name="review_queue"),
    path("mine/", views.my_orders, name="mine"),
    path("new/", views.new_order, name="new"),
    path("batch/advance/", action_views.batch_advance, name="batch_advance"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/edit/", views.edit_order, name="edit"),
    path("<str:number>/mark-paid/", action_views.mark_paid, name="mark_paid"),
    path("<str:number>/confirm/", action_views.confirm, name="confirm"),
    path("<str:number>/submit-review/", action_views.submit_for_review, name="submit_for_review"),
    path("<str:number>/approve/", action_views.approve, name="approve"),
    path("<str:number>/reject/", action_views.reject, name="reject"),
    path("<str:number>/reassign/", action_views.reassign, name="reassign"),
    path("<str:number>/cancel/", action_views.cancel, name="cancel"),
    path("<str:number>/advance/", action_views.advance, name="advance"),
    path("<str:number>/complete/", action_views.complete, name="complete"),
    path("<str:number>/delete/", action_views.delete_invalid, name="delete"),
]
