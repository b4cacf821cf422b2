//! Who is asking: roles, the signed-in user and the scope of what they see.

use super::*;

/// Who a user is (domain §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    CustomerManager,
    LicenceOfficer,
    Customer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Manager,
        Role::CustomerManager,
        Role::LicenceOfficer,
        Role::Customer,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::CustomerManager => "customer_manager",
            Role::LicenceOfficer => "licence_officer",
            Role::Customer => "customer",
        }
    }

    pub fn from_key(k: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == k)
    }

    /// Where this role lands after signing in (when no other page was asked for): customers on
    /// their own page, customer managers on the day's visit plan, everyone else on the dashboard.
    pub const fn home(self) -> &'static str {
        match self {
            Role::Customer => "/my",
            Role::CustomerManager => "/visits",
            Role::Admin | Role::Manager | Role::LicenceOfficer => "/",
        }
    }

    /// Staff work in the archive; customers only see themselves (the portal). See [`Access`].
    pub const fn is_staff(self) -> bool {
        Access::Staff.allows(self)
    }

    /// The what-if lab and publishing ([`Access::Lab`]).
    pub const fn can_use_lab(self) -> bool {
        Access::Lab.allows(self)
    }

    /// Bulk imports ([`Access::Importers`]).
    pub const fn can_import(self) -> bool {
        Access::Importers.allows(self)
    }

    /// The change-request queue ([`Access::Reviewers`]): managers and admins every field,
    /// licence officers the fields they own.
    pub const fn reviews_requests(self) -> bool {
        Access::Reviewers.allows(self)
    }

    /// Whether this role may approve or reject a request on `field`.
    pub fn can_review(self, field: &FieldDef) -> bool {
        match self {
            Role::Admin | Role::Manager => true,
            Role::LicenceOfficer => field.owner == Some(Role::LicenceOfficer),
            _ => false,
        }
    }
}

/// The signed-in user, as the server resolved it from the session cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// For customers: their own customer record.
    pub customer_id: Option<CustomerId>,
    /// Set for a first (one-time) password: the user must choose their own before anything else.
    pub must_change_password: bool,
}

impl Me {
    /// Which customers this user may reach. Every storage query applies it.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin | Role::Manager | Role::LicenceOfficer => Scope::All,
            Role::CustomerManager => Scope::Routes { manager: self.id.0 },
            Role::Customer => match self.customer_id {
                Some(id) => Scope::Customer(id.0),
                None => Scope::Nothing,
            },
        }
    }
}

/// The customers a query may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Customers on the routes this customer manager serves.
    Routes {
        manager: i64,
    },
    /// One customer: themself.
    Customer(i64),
    Nothing,
}
