from django.urls import path

from apps.chains import leader, views

app_name = "chains"

urlpatterns = [
    path("c/<slug:slug>/", views.chain_page, name="chain"),
    path("o/<str:ref>/", views.receipt, name="receipt"),
    path("leader/chains/", leader.chain_list, name="leader_chains"),
    path("leader/chains/new/", leader.chain_create, name="leader_chain_create"),
    path("leader/chains/<int:chain_id>/", leader.chain_manage, name="leader_chain"),
    path("leader/chains/<int:chain_id>/edit/", leader.chain_edit, name="leader_chain_edit"),
    path(
        "leader/chains/<int:chain_id>/do/<str:action>/",
        leader.chain_action,
        name="leader_chain_action",
    ),
    path(
        "leader/chains/<int:chain_id>/entries/", leader.entries_action, name="leader_entries_action"
    ),
    path("leader/chains/<int:chain_id>/pickup/", leader.pickup_by_code, name="leader_pickup"),
    path(
        "leader/chains/<int:chain_id>/entries/<int:entry_id>/refund/",
        leader.entry_refund,
        name="leader_refund",
    ),
    path("leader/chains/<int:chain_id>/text/", leader.chain_text, name="leader_chain_text"),
    path("leader/chains/<int:chain_id>/pick-sheet/", leader.pick_sheet, name="leader_pick_sheet"),
    path(
        "leader/communities/<int:community_id>/pickup-points/",
        leader.pickup_points,
        name="leader_pickup_points",
    ),
]
