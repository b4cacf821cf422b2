//! Ids that say what they name. Each is the row id of its table, and on the wire a plain number
//! (`#[serde(transparent)]`); in a signature it cannot be mixed up with the others — a storage
//! method that takes the user acting and the customer acted on takes a `UserId` and a
//! `CustomerId`, not two `i64`.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A user's account, staff or customer (`users.id`).
    UserId
);
id!(
    /// A customer of the archive (`customers.id`), not their portal account.
    CustomerId
);
id!(
    /// A saved policy, draft or published (`policies.id`), not its version number.
    PolicyId
);
