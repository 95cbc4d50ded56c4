//! Values stored as readable text (typed ids, statuses), encoded and decoded by sqlx on either
//! engine: a value is written with its `Display`/`as_str` and read back through its parser, so
//! a row that holds something else fails to load instead of passing as a string.

/// Implements sqlx's `Type`, `Encode` and `Decode` for `$ty`, for every database whose text type
/// `str`/`String` use: `$to` turns a value into its text, `$parse` reads it back (`Option`).
macro_rules! text_column {
    ($ty:ty, $to:expr, $parse:expr) => {
        impl<DB: ::sqlx::Database> ::sqlx::Type<DB> for $ty
        where
            str: ::sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as ::sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as ::sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: ::sqlx::Database> ::sqlx::Encode<'q, DB> for $ty
        where
            String: ::sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as ::sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                let text: String = ($to)(self);
                <String as ::sqlx::Encode<'q, DB>>::encode(text, buf)
            }
        }

        impl<'r, DB: ::sqlx::Database> ::sqlx::Decode<'r, DB> for $ty
        where
            &'r str: ::sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as ::sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, ::sqlx::error::BoxDynError> {
                let text = <&'r str as ::sqlx::Decode<'r, DB>>::decode(value)?;
                ($parse)(text)
                    .ok_or_else(|| format!("{text:?} is not a valid {}", stringify!($ty)).into())
            }
        }
    };
}
pub(crate) use text_column;
