//! The http layer: the router and its middleware (`web`), accounts, sessions and invites
//! (`auth`), the customers' portal's plain forms (`portal_forms`), and what every handler is given
//! (`state`). Nothing below this layer names it.

pub mod auth;
pub mod portal_forms;
pub mod state;
pub mod web;
