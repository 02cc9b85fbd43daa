"""The roles of the manual as Django groups, and the permissions each one holds.

This table is the permission matrix: tests walk it, the demo and the migrations
apply it. A permission is "app_label.codename".
"""

ORDER_PROCESSOR = "order_processor"
ORDER_REVIEWER = "order_reviewer"
WAREHOUSE = "warehouse"
LOGISTICS_STAFF = "logistics_staff"
LOGISTICS_HEAD = "logistics_head"
LEADERSHIP = "leadership"
CS_AGENT = "cs_agent"
ANALYST = "analyst"
ADMIN = "admin"

ROLES = [
    ORDER_PROCESSOR,
    ORDER_REVIEWER,
    WAREHOUSE,
    LOGISTICS_STAFF,
    LOGISTICS_HEAD,
    LEADERSHIP,
    CS_AGENT,
    ANALYST,
    ADMIN,
]

ROLE_LABELS = {
    ORDER_PROCESSOR: ("订单处理员", "Order processor"),
    ORDER_REVIEWER: ("订单审核员", "Order reviewer"),
    WAREHOUSE: ("仓库拣货打包员", "Warehouse packer"),
    LOGISTICS_STAFF: ("物流专员", "Logistics staff"),
    LOGISTICS_HEAD: ("物流部门负责人", "Logistics head"),
    LEADERSHIP: ("公司领导", "Leadership"),
    CS_AGENT: ("客服专员", "Customer-service agent"),
    ANALYST: ("数据分析员", "Analyst"),
    ADMIN: ("系统管理员", "Administrator"),
}

VIEW_ORDER = "orders.view_order"
ADD_ORDER = "orders.add_order"
PROCESS_ORDER = "orders.process_order"
REVIEW_ORDER = "orders.review_order"
ASSIGN_ORDER = "orders.assign_order"
EDIT_ORDER_AMOUNTS = "orders.edit_order_amounts"
DELETE_ORDER = "orders.delete_order"
FULFIL_ORDER = "orders.fulfil_order"
SHIP_ORDER = "orders.ship_order"
CANCEL_ORDER = "orders.cancel_order"
EXPORT_ORDERS = "orders.export_orders"
VIEW_CUSTOMER_DATA = "orders.view_customer_data"
VIEW_AUDIT = "audit.view_auditrecord"
# Attach parked carrier events to parcels and map unknown codes (the tracking inboxes).
RESOLVE_TRACKING_INBOX = "tracking.resolve_tracking_inbox"
# The exception desk (chapter 5).
VIEW_CASE = "exceptions.view_case"
HANDLE_CASE = "exceptions.handle_case"  # note, contact the carrier, notify, severity, close
REPORT_CASE = "exceptions.report_case"  # open a case by hand (staff, or from a customer)
SETTLE_CASE = "exceptions.settle_case"  # reship, refund or compensate, claim
MANAGE_DESK = "exceptions.manage_desk"  # thresholds, SLA targets, the calendar
DESK = {VIEW_CASE, HANDLE_CASE, REPORT_CASE, SETTLE_CASE}
# The warehouse (chapter 3).
MANAGE_STOCK = "warehouse.manage_stock"  # receive, move, adjust, return to stock
PICK_ORDERS = "warehouse.pick_orders"
PACK_ORDERS = "warehouse.pack_orders"  # pack, weigh, waybill number and label
HAND_OVER_PARCELS = "warehouse.hand_over_parcels"  # manifests
INSPECT_WAREHOUSE = "warehouse.inspect_warehouse"
MANAGE_WAREHOUSE = "warehouse.manage_warehouse"  # warehouses, number ranges, prices, bills
VIEW_WAREHOUSE_REPORTS = "warehouse.view_warehouse_reports"  # stock, rates, freight
FLOOR = {MANAGE_STOCK, PICK_ORDERS, PACK_ORDERS, HAND_OVER_PARCELS, INSPECT_WAREHOUSE}
# The outbox's failed and waiting messages, and sending a failed one again.
VIEW_OUTBOX = "outbox.view_outboxmessage"

ROLE_PERMISSIONS: dict[str, set[str]] = {
    ORDER_PROCESSOR: {
        VIEW_ORDER,
        ADD_ORDER,
        PROCESS_ORDER,
        CANCEL_ORDER,
        EXPORT_ORDERS,
        VIEW_CUSTOMER_DATA,
    },
    ORDER_REVIEWER: {
        VIEW_ORDER,
        REVIEW_ORDER,
        ASSIGN_ORDER,
        EXPORT_ORDERS,
        VIEW_CUSTOMER_DATA,
    },
    WAREHOUSE: {VIEW_ORDER, FULFIL_ORDER, SHIP_ORDER, VIEW_CUSTOMER_DATA, *FLOOR},
    LOGISTICS_STAFF: {
        VIEW_ORDER,
        SHIP_ORDER,
        VIEW_CUSTOMER_DATA,
        RESOLVE_TRACKING_INBOX,
        *DESK,
        HAND_OVER_PARCELS,
        VIEW_WAREHOUSE_REPORTS,
    },
    LOGISTICS_HEAD: {
        VIEW_ORDER,
        SHIP_ORDER,
        EXPORT_ORDERS,
        VIEW_CUSTOMER_DATA,
        VIEW_AUDIT,
        RESOLVE_TRACKING_INBOX,
        *DESK,
        MANAGE_DESK,
        VIEW_OUTBOX,
        HAND_OVER_PARCELS,
        MANAGE_WAREHOUSE,
        VIEW_WAREHOUSE_REPORTS,
    },
    # Leadership owns the major cases (R5.2.3): it works them, without customer data.
    LEADERSHIP: {VIEW_ORDER, EXPORT_ORDERS, VIEW_AUDIT, *DESK, VIEW_WAREHOUSE_REPORTS},
    # Customer service opens cases from customers' reports and follows them.
    CS_AGENT: {VIEW_ORDER, CANCEL_ORDER, VIEW_CUSTOMER_DATA, VIEW_CASE, REPORT_CASE},
    ANALYST: {VIEW_ORDER, EXPORT_ORDERS, VIEW_CASE, VIEW_WAREHOUSE_REPORTS},
    ADMIN: {
        VIEW_ORDER,
        ADD_ORDER,
        PROCESS_ORDER,
        REVIEW_ORDER,
        ASSIGN_ORDER,
        EDIT_ORDER_AMOUNTS,
        DELETE_ORDER,
        FULFIL_ORDER,
        SHIP_ORDER,
        CANCEL_ORDER,
        EXPORT_ORDERS,
        VIEW_CUSTOMER_DATA,
        VIEW_AUDIT,
        RESOLVE_TRACKING_INBOX,
        *DESK,
        MANAGE_DESK,
        VIEW_OUTBOX,
        *FLOOR,
        MANAGE_WAREHOUSE,
        VIEW_WAREHOUSE_REPORTS,
    },
}

# Which order types a role handles by default when the demo or an admin creates a person.
DEFAULT_SKILLS = {ORDER_PROCESSOR: ["normal", "large", "special"]}


def role_label(role: str, language: str) -> str:
    chinese, english = ROLE_LABELS.get(role, (role, role))
    return english if language.startswith("en") else chinese
