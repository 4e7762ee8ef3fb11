//! Hostile: calls a public IP literal outside its grant.

#[macro_use]
#[path = "../../hostile/src/attacks.rs"]
mod attacks;

component!(
    IpLiteral,
    "hostile-ip-literal",
    "egress",
    "http://93.184.215.14/"
);
