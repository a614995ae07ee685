//! Network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Args, Error, Result, list, string};
use crate::model::Value;

/// A parsed prefix: the network address as a number, its length, and the address width.
struct Prefix {
    addr: u128,
    len: u32,
    bits: u32,
}

fn parse_prefix(a: &Args<'_, '_>, i: usize) -> Result<Prefix> {
    let text = a.string(i)?;
    let bad = || {
        Error::Arg(
            i,
            format!("{text:?} is not a CIDR prefix such as \"10.0.0.0/16\""),
        )
    };
    let (ip, len) = text.split_once('/').ok_or_else(bad)?;
    let ip: IpAddr = ip.parse().map_err(|_| bad())?;
    let len: u32 = len.parse().map_err(|_| bad())?;
    let (addr, bits) = match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    };
    if len > bits {
        return Err(bad());
    }
    let host_mask = if len == bits {
        0
    } else {
        (1u128 << (bits - len)) - 1
    };
    Ok(Prefix {
        addr: addr & !host_mask,
        len,
        bits,
    })
}

fn render(addr: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

pub(super) fn cidrhost(a: &mut Args<'_, '_>) -> Result<Value> {
    let p = parse_prefix(a, 0)?;
    let host = a.int(1)?;
    let size = 1u128 << (p.bits - p.len).min(127);
    let offset = if host < 0 {
        size.checked_sub(host.unsigned_abs() as u128)
    } else {
        Some(host as u128).filter(|&h| h < size)
    };
    let offset =
        offset.ok_or_else(|| Error::Arg(1, format!("host {host} is outside the prefix")))?;
    Ok(string(render(p.addr + offset, p.bits)))
}

pub(super) fn cidrnetmask(a: &mut Args<'_, '_>) -> Result<Value> {
    let p = parse_prefix(a, 0)?;
    if p.bits != 32 {
        return Err(Error::Arg(0, "only IPv4 prefixes have a netmask".into()));
    }
    let mask = if p.len == 0 {
        0
    } else {
        u32::MAX << (32 - p.len)
    };
    Ok(string(Ipv4Addr::from(mask).to_string()))
}

fn subnet(p: &Prefix, newbits: i64, netnum: i64) -> Result<String, String> {
    let newbits = u32::try_from(newbits).map_err(|_| "newbits must not be negative".to_owned())?;
    let len = p.len + newbits;
    if len > p.bits {
        return Err(format!(
            "a /{} prefix cannot be extended by {newbits} bits",
            p.len
        ));
    }
    let netnum =
        u128::try_from(netnum).map_err(|_| "the network number must not be negative".to_owned())?;
    if newbits < 128 && netnum >= (1u128 << newbits) {
        return Err(format!(
            "network number {netnum} does not fit in {newbits} bits"
        ));
    }
    let addr = p.addr | netnum.checked_shl(p.bits - len).unwrap_or(0);
    Ok(format!("{}/{len}", render(addr, p.bits)))
}

pub(super) fn cidrsubnet(a: &mut Args<'_, '_>) -> Result<Value> {
    let p = parse_prefix(a, 0)?;
    let (newbits, netnum) = (a.int(1)?, a.int(2)?);
    subnet(&p, newbits, netnum).map(string).map_err(Error::Call)
}

/// Consecutive subnets of the given sizes, each aligned after the previous one.
pub(super) fn cidrsubnets(a: &mut Args<'_, '_>) -> Result<Value> {
    let p = parse_prefix(a, 0)?;
    let mut next: u128 = p.addr;
    let mut out = Vec::new();
    for i in 1..a.len() {
        let newbits = a.int(i)?;
        let len = p.len
            + u32::try_from(newbits)
                .map_err(|_| Error::Arg(i, "newbits must not be negative".into()))?;
        if len > p.bits {
            return Err(Error::Arg(
                i,
                format!("a /{} prefix cannot be extended by {newbits} bits", p.len),
            ));
        }
        let step = 1u128.checked_shl(p.bits - len).unwrap_or(0);
        // Align up to the subnet size.
        let start = if step > 1 {
            next.div_ceil(step) * step
        } else {
            next
        };
        let end_of_parent = p.addr + (1u128 << (p.bits - p.len).min(127));
        if start + step > end_of_parent {
            return Err(Error::Arg(
                i,
                "not enough address space left for this subnet".into(),
            ));
        }
        out.push(string(format!("{}/{len}", render(start, p.bits))));
        next = start + step;
    }
    Ok(list(out))
}
