//! Visitor tokens: `<visitor id>.<site>.<signature>`, signed with HMAC-SHA256 under the
//! server's secret. A token cannot be made up or edited to name another visitor, and a token
//! issued for one site is worthless on another. Reply addresses, `reply+<conversation>-<tag>`,
//! are signed the same way, so an e-mail can only answer the conversation it was sent about.

use hmac::{Hmac, Mac};
use pronto_protocol::ids::SiteId;
use sha2::Sha256;

use pronto_protocol::ids::ConversationId;

use crate::storage::VisitorId;

/// Issues and checks visitor tokens.
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: secret.to_vec(),
        }
    }

    fn mac(&self, site: &SiteId, visitor: VisitorId) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        // Domain-separated and unambiguous: a site id never contains a NUL.
        mac.update(format!("pronto-visitor-v1\0{site}\0{}", visitor.0).as_bytes());
        mac
    }

    pub fn issue(&self, site: &SiteId, visitor: VisitorId) -> String {
        let signature = self.mac(site, visitor).finalize().into_bytes();
        let hex: String = signature.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}.{site}.{hex}", visitor.0)
    }

    /// The visitor a token was issued to, if it is genuine and was issued for `site`.
    pub fn verify(&self, site: &SiteId, token: &str) -> Option<VisitorId> {
        let mut parts = token.split('.');
        let (id, token_site, hex) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || token_site != site.as_str() || hex.len() != 64 {
            return None;
        }
        let visitor = VisitorId(id.parse().ok()?);
        let signature = from_hex(hex)?;
        // Constant-time comparison: timing tells an attacker nothing about the signature.
        self.mac(site, visitor)
            .verify_slice(&signature)
            .ok()
            .map(|()| visitor)
    }
}

impl Signer {
    fn reply_mac(&self, conversation: ConversationId) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(format!("pronto-reply-v1\0{}", conversation.0).as_bytes());
        mac
    }

    /// The local part of the address replies to e-mails about `conversation` go to:
    /// `reply+<id>-<tag>`, the tag 128 bits of its signature (an address's local part is at
    /// most 64 characters).
    pub fn reply_local_part(&self, conversation: ConversationId) -> String {
        let signature = self.reply_mac(conversation).finalize().into_bytes();
        let tag: String = signature[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("reply+{}-{tag}", conversation.0)
    }

    /// The conversation a reply address's local part was issued for, if it is genuine.
    pub fn verify_reply(&self, local_part: &str) -> Option<ConversationId> {
        let rest = local_part.strip_prefix("reply+")?;
        let (id, tag) = rest.split_once('-')?;
        let conversation = ConversationId(id.parse().ok()?);
        let tag = from_hex(tag).filter(|tag| tag.len() == 16)?;
        self.reply_mac(conversation)
            .verify_truncated_left(&tag)
            .ok()
            .map(|()| conversation)
    }
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether `signature` (hex) is the HMAC-SHA256 of `message` under `key`, as a shop's backend
/// computes it for identity verification: `hex(hmac_sha256(secret, user_id))`.
pub fn is_signed(key: &str, message: &str, signature: &str) -> bool {
    let Some(signature) = from_hex(signature) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    mac.update(message.as_bytes());
    mac.verify_slice(&signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: &str) -> SiteId {
        SiteId::parse(id).unwrap()
    }

    #[test]
    fn a_token_names_its_visitor_on_its_site_only() {
        let signer = Signer::new(b"server secret");
        let token = signer.issue(&site("tienda"), VisitorId(42));
        assert_eq!(signer.verify(&site("tienda"), &token), Some(VisitorId(42)));
        assert_eq!(
            signer.verify(&site("otra"), &token),
            None,
            "bound to its site"
        );
        let other_server = Signer::new(b"another secret");
        assert_eq!(other_server.verify(&site("tienda"), &token), None);
    }

    #[test]
    fn identity_signatures_are_plain_hmac_sha256_in_hex() {
        // What a shop's backend computes, e.g. PHP's `hash_hmac('sha256', $id, $secret)`.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"clave").unwrap();
        mac.update(b"cliente-42");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(is_signed("clave", "cliente-42", &hex));
        assert!(!is_signed("clave", "cliente-43", &hex));
        assert!(!is_signed("otra", "cliente-42", &hex));
        assert!(!is_signed("clave", "cliente-42", &hex[1..]));
        assert!(!is_signed("clave", "cliente-42", "zz"));
    }

    #[test]
    fn a_reply_address_answers_its_conversation_only() {
        let signer = Signer::new(b"server secret");
        let local = signer.reply_local_part(ConversationId(7));
        assert!(local.len() <= 64, "{local}");
        assert_eq!(signer.verify_reply(&local), Some(ConversationId(7)));
        let other = local.replacen("+7-", "+8-", 1);
        assert_eq!(signer.verify_reply(&other), None);
        assert_eq!(Signer::new(b"another").verify_reply(&local), None);
        for bad in ["reply+7", "reply+x-00", "hola", &local[..local.len() - 2]] {
            assert_eq!(signer.verify_reply(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_edited_or_mangled_token_is_worthless() {
        let signer = Signer::new(b"server secret");
        let token = signer.issue(&site("tienda"), VisitorId(42));
        let forged = token.replacen("42.", "41.", 1);
        assert_eq!(signer.verify(&site("tienda"), &forged), None);
        let moved = token.replacen(".tienda.", ".otra.", 1);
        assert_eq!(signer.verify(&site("otra"), &moved), None);
        for junk in [
            "",
            "42",
            "42.tienda",
            "42.tienda.zz",
            "x.tienda.00",
            &format!("{token}.1"),
        ] {
            assert_eq!(signer.verify(&site("tienda"), junk), None, "{junk}");
        }
        let mut flipped = token.into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(signer.verify(&site("tienda"), &flipped), None);
    }
}
