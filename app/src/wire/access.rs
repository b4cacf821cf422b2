//! Who may open which page and use which capability: one table, read by the router's gates
//! (`pages::account::Gate`), the server's page guard (`auth::page_allowed`) and the server
//! functions' guards (`api::ssr::staff`, `lab_user`, …). Adding a page means one line in
//! [`PAGES`].

use super::*;

/// A capability: who holds it is decided here and nowhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not: sign-in, invites, the account page.
    Anyone,
    /// Staff — every role but customers: the archive and service work.
    Staff,
    /// Managers and administrators: the what-if lab, publishing, the audit trail.
    Lab,
    /// Who works the change-request queue (licence officers the fields they own).
    Reviewers,
    /// Bulk imports change many records at once.
    Importers,
    /// Customers: their own self-service portal.
    Customers,
}

impl Access {
    /// Whether `role` holds this capability.
    pub const fn allows(self, role: Role) -> bool {
        use Role::*;
        match self {
            Access::Anyone => true,
            Access::Staff => !matches!(role, Customer),
            Access::Lab | Access::Importers => matches!(role, Admin | Manager),
            Access::Reviewers => matches!(role, Admin | Manager | LicenceOfficer),
            Access::Customers => matches!(role, Customer),
        }
    }
}

/// Every page and who may open it. A path opens under the longest entry it equals or lies
/// below (`/customers/5` under `/customers`); a path under none is for staff (an unknown one
/// then answers 404, to staff only).
pub const PAGES: &[(&str, Access)] = &[
    ("/", Access::Staff),
    ("/customers", Access::Staff),
    ("/lab", Access::Lab),
    ("/requests", Access::Reviewers),
    ("/import", Access::Importers),
    ("/audit", Access::Lab),
    ("/complaints", Access::Staff),
    ("/visits", Access::Staff),
    ("/reports", Access::Staff),
    ("/performance", Access::Staff),
    ("/gaps", Access::Staff),
    ("/calendar", Access::Staff),
    ("/login", Access::Anyone),
    ("/invite", Access::Anyone),
    ("/account", Access::Anyone),
    ("/my", Access::Customers),
];

/// Who may open `path` (see [`PAGES`]).
pub fn page_access(path: &str) -> Access {
    PAGES
        .iter()
        .filter(|(page, _)| {
            path == *page
                || (*page != "/"
                    && path
                        .strip_prefix(page)
                        .is_some_and(|rest| rest.starts_with('/')))
        })
        .max_by_key(|(page, _)| page.len())
        .map_or(Access::Staff, |&(_, access)| access)
}
