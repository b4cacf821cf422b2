//! kehu's server tests, one binary: each module drives a real SQLite file with demo data through
//! the whole router (without a socket) or the storage port, as a user or an attacker would. One
//! test binary links the server once instead of once per file.

mod common;

mod access;
mod archive;
mod bundle;
mod clock;
mod complaints;
mod delta;
mod drafts;
mod experience;
mod hold;
mod imports;
mod kept;
mod layers;
mod plans;
mod portal;
mod publishing;
mod visits;
mod work;
