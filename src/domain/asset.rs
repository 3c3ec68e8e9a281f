//! Assets: the hardware and devices tickets are about.

use serde::{Deserialize, Serialize};

use super::ids::{AssetId, PersonId};
use crate::string_enum;

string_enum!(
    /// Life-cycle state of an asset.
    AssetStatus, "asset status" {
        InUse = "in-use",
        InStock = "in-stock",
        InRepair = "in-repair",
        Retired = "retired",
        Lost = "lost",
    }
);

string_enum!(
    /// Asset fields that can change after creation.
    AssetField, "asset field" {
        Tag = "tag",
        Hostname = "hostname",
        Serial = "serial",
        Model = "model",
        Manufacturer = "manufacturer",
        Category = "category",
        Status = "status",
        Holder = "holder",
        Location = "location",
        Ip = "ip",
        Mac = "mac",
        PurchaseDate = "purchase-date",
        WarrantyEnd = "warranty-end",
        Notes = "notes",
        Deleted = "deleted",
    }
);

/// Everything known about an asset when it is created (also the materialized view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRecord {
    pub tag: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub status: AssetStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<PersonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// ISO date, YYYY-MM-DD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_date: Option<String>,
    /// ISO date, YYYY-MM-DD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warranty_end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl AssetRecord {
    pub fn new(tag: impl Into<String>) -> Self {
        AssetRecord {
            tag: tag.into(),
            hostname: None,
            serial: None,
            model: None,
            manufacturer: None,
            category: None,
            status: AssetStatus::InUse,
            holder: None,
            location: None,
            ip: None,
            mac: None,
            purchase_date: None,
            warranty_end: None,
            notes: None,
        }
    }

    /// The value of a field, encoded as in ops.
    pub fn field_value(&self, f: AssetField) -> Option<String> {
        use AssetField as F;
        match f {
            F::Tag => Some(self.tag.clone()),
            F::Hostname => self.hostname.clone(),
            F::Serial => self.serial.clone(),
            F::Model => self.model.clone(),
            F::Manufacturer => self.manufacturer.clone(),
            F::Category => self.category.clone(),
            F::Status => Some(self.status.to_string()),
            F::Holder => self.holder.map(|h| h.to_string()),
            F::Location => self.location.clone(),
            F::Ip => self.ip.clone(),
            F::Mac => self.mac.clone(),
            F::PurchaseDate => self.purchase_date.clone(),
            F::WarrantyEnd => self.warranty_end.clone(),
            F::Notes => self.notes.clone(),
            F::Deleted => Some("false".into()),
        }
    }
}

/// An asset as shown to people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Asset {
    pub id: AssetId,
    #[serde(flatten)]
    pub record: AssetRecord,
    pub holder_name: Option<String>,
    pub updated_at: i64,
}

/// Warranty state on a given day (ISO dates compare as strings).
pub fn warranty_state(warranty_end: Option<&str>, today: &str) -> &'static str {
    match warranty_end {
        None => "unknown",
        Some(end) if end >= today => "in warranty",
        Some(_) => "expired",
    }
}
