//! Hand-written SQL that runs as a cached prepared statement, and transactions whose `BEGIN` and
//! `COMMIT` travel in the same round trip as their first and last statements.
//!
//! Diesel prepares a statement once per connection only when it can tell the statement's text
//! from its type. Its upserts, `UPDATE`s, `= ANY` over a list and `sql_query` are prepared anew
//! on every call (a round trip of its own, which also holds the connection's statement cache so
//! that nothing else can be pipelined meanwhile). A [`Statement`] has a type per SQL text, so it
//! is prepared once and then costs one Bind/Execute in whatever pipeline it is sent in.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::connection::{TransactionDepthChange, TransactionManagerStatus};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{
    Array, Binary, Bool, Date, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection, TransactionManager};
use futures_util::future::MaybeDone;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use uuid::Uuid;

/// One SQL text. Its parameters are written `$1`, `$2`, … (a parameter may appear more than
/// once); the text holds no other `$` (no dollar quoting).
pub trait Sql: 'static {
    const TEXT: &'static str;
    /// The SQL types of the row it returns (`Bool` for a statement only ever executed).
    type Row: 'static;
}

/// A parameter's value with its SQL type. The same statement must always be given the same
/// variants in the same order (the statement is prepared with the first call's types).
#[derive(Debug, Clone, Copy)]
pub enum Bind<'a> {
    Uuid(Option<Uuid>),
    Text(Option<&'a str>),
    Bool(bool),
    Int(i32),
    Date(NaiveDate),
    Timestamptz(DateTime<Utc>),
    Bytea(&'a [u8]),
    Jsonb(&'a serde_json::Value),
    TextArray(&'a [String]),
}

/// A [`Sql`] text with its parameters, ready to run with diesel-async's `RunQueryDsl`.
pub struct Statement<'a, Q> {
    binds: Vec<Bind<'a>>,
    sql: PhantomData<Q>,
}

impl<'a, Q: Sql> Statement<'a, Q> {
    pub fn new(binds: Vec<Bind<'a>>) -> Self {
        Statement {
            binds,
            sql: PhantomData,
        }
    }
}

impl<Q: Sql> QueryId for Statement<'_, Q> {
    type QueryId = Q;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<Q: Sql> Query for Statement<'_, Q> {
    type SqlType = Q::Row;
}

/// The text between parameters and the parameters' numbers, in order of appearance.
fn pieces(text: &str) -> impl Iterator<Item = (&str, Option<usize>)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(at) = rest.find('$') else {
            let all = rest;
            rest = "";
            return Some((all, None));
        };
        let digits = rest[at + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        // A `$` without digits comes back as parameter 0, which has no value: an error.
        let number = Some(rest[at + 1..at + 1 + digits].parse::<usize>().unwrap_or(0));
        let before = &rest[..at];
        rest = &rest[at + 1 + digits..];
        Some((before, number))
    })
}

impl<Q: Sql> QueryFragment<Pg> for Statement<'_, Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let mut highest = 0;
        for (text, number) in pieces(Q::TEXT) {
            out.push_sql(text);
            let Some(n) = number else { continue };
            highest = highest.max(n);
            let bind = n
                .checked_sub(1)
                .and_then(|i| self.binds.get(i))
                .ok_or_else(|| {
                    diesel::result::Error::QueryBuilderError(
                        format!("parameter ${n} has no value").into(),
                    )
                })?;
            match bind {
                Bind::Uuid(v) => out.push_bind_param::<Nullable<SqlUuid>, _>(v)?,
                Bind::Text(v) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Bind::Bool(v) => out.push_bind_param::<Bool, _>(v)?,
                Bind::Int(v) => out.push_bind_param::<Integer, _>(v)?,
                Bind::Date(v) => out.push_bind_param::<Date, _>(v)?,
                Bind::Timestamptz(v) => out.push_bind_param::<Timestamptz, _>(v)?,
                Bind::Bytea(v) => out.push_bind_param::<Binary, _>(*v)?,
                Bind::Jsonb(v) => out.push_bind_param::<Jsonb, _>(*v)?,
                Bind::TextArray(v) => out.push_bind_param::<Array<Text>, _>(*v)?,
            }
        }
        if highest != self.binds.len() {
            return Err(diesel::result::Error::QueryBuilderError(
                format!(
                    "{} values for a statement whose parameters end at ${highest}",
                    self.binds.len()
                )
                .into(),
            ));
        }
        Ok(())
    }
}

macro_rules! sql {
    ($(#[$doc:meta])* $name:ident, $row:ty, $text:expr) => {
        $(#[$doc])*
        pub struct $name;
        impl $crate::prepared::Sql for $name {
            const TEXT: &'static str = $text;
            type Row = $row;
        }
    };
}
pub(crate) use sql;

/// Polls one statement of a pipeline once: that builds its SQL and parameters and queues it on
/// the connection after the statements polled before it (the connection's statement cache is a
/// fair lock, and the request is sent on its first poll). `Err` when it failed right there,
/// before anything of it reached the server: the statements meant to follow it (a `COMMIT`
/// above all) must then not be sent.
pub async fn queue<F, T>(mut statement: Pin<&mut MaybeDone<F>>) -> QueryResult<()>
where
    F: Future<Output = QueryResult<T>>,
{
    let _ = futures_util::poll!(statement.as_mut());
    if matches!(statement.as_mut().output_mut(), Some(Err(_))) {
        if let Some(Err(e)) = statement.take_output() {
            return Err(e);
        }
    }
    Ok(())
}

sql!(Begin, Bool, "BEGIN");
sql!(Commit, Bool, "COMMIT");

/// A transaction driven by hand so that `BEGIN` can be pipelined with the first statements and
/// `COMMIT` with the last. The connection counts as inside a transaction from [`open`] until
/// [`closed`]: should the caller be dropped in between, the pool sees an open transaction and
/// discards the connection instead of reusing it.
///
/// [`open`]: Manual::open
/// [`closed`]: Manual::closed
pub struct Manual;

impl Manual {
    // diesel's transaction status is public to connection implementations (diesel-async turns
    // that on); this is the same bookkeeping `AsyncConnection::transaction` does.
    fn status(conn: &mut AsyncPgConnection) -> &mut TransactionManagerStatus {
        <<AsyncPgConnection as AsyncConnection>::TransactionManager as TransactionManager<
            AsyncPgConnection,
        >>::transaction_manager_status_mut(conn)
    }

    /// Before `BEGIN` is sent. Refuses a connection already inside a transaction.
    pub fn open(conn: &mut AsyncPgConnection) -> QueryResult<()> {
        let status = Self::status(conn).transaction_state()?;
        if status.transaction_depth().is_some() {
            return Err(diesel::result::Error::AlreadyInTransaction);
        }
        status.change_transaction_depth(TransactionDepthChange::IncreaseDepth)
    }

    /// After the `COMMIT` or `ROLLBACK` that ends it has been answered.
    pub fn closed(conn: &mut AsyncPgConnection) -> QueryResult<()> {
        Self::status(conn)
            .transaction_state()?
            .change_transaction_depth(TransactionDepthChange::DecreaseDepth)
    }

    /// Roll back and close. If the rollback fails the connection stays marked as inside a
    /// transaction, so the pool drops it.
    pub async fn rollback(conn: &mut AsyncPgConnection) -> QueryResult<()> {
        use diesel_async::SimpleAsyncConnection;
        conn.batch_execute("ROLLBACK").await?;
        Self::closed(conn)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parameters_are_found_in_order_and_may_repeat() {
        let found: Vec<_> = pieces("SELECT $1, $12 WHERE a = $1").collect();
        assert_eq!(
            found,
            vec![
                ("SELECT ", Some(1)),
                (", ", Some(12)),
                (" WHERE a = ", Some(1)),
            ]
        );
        let plain: Vec<_> = pieces("COMMIT").collect();
        assert_eq!(plain, vec![("COMMIT", None)]);
        let bare: Vec<_> = pieces("SELECT $ 1").collect();
        assert_eq!(bare, vec![("SELECT ", Some(0)), (" 1", None)]);
    }

    #[test]
    fn a_parameter_without_a_value_is_an_error_not_a_null() {
        sql!(Two, Bool, "SELECT $1 = $2");
        let stmt: Statement<'_, Two> = Statement::new(vec![Bind::Int(1)]);
        let mut builder = <Pg as diesel::backend::Backend>::QueryBuilder::default();
        let err = stmt.to_sql(&mut builder, &Pg).unwrap_err();
        assert!(err.to_string().contains("$2"), "{err}");
    }

    #[test]
    fn a_statement_that_fails_before_it_is_sent_stops_the_pipeline() {
        use futures_util::future::{maybe_done, FutureExt};
        let failing = std::future::ready(Err::<usize, _>(diesel::result::Error::NotFound));
        let mut failing = std::pin::pin!(maybe_done(failing));
        assert!(queue(failing.as_mut()).now_or_never().unwrap().is_err());
        // Sent and waiting for its answer: the pipeline goes on.
        let waiting = std::future::pending::<QueryResult<usize>>();
        let mut waiting = std::pin::pin!(maybe_done(waiting));
        assert!(queue(waiting.as_mut()).now_or_never().unwrap().is_ok());
        let answered = std::future::ready(Ok::<usize, diesel::result::Error>(1));
        let mut answered = std::pin::pin!(maybe_done(answered));
        assert!(queue(answered.as_mut()).now_or_never().unwrap().is_ok());
        assert!(matches!(answered.as_mut().take_output(), Some(Ok(1))));
    }

    #[test]
    fn a_value_without_a_parameter_or_a_bare_dollar_is_an_error() {
        sql!(One, Bool, "SELECT $1");
        let extra: Statement<'_, One> = Statement::new(vec![Bind::Int(1), Bind::Int(2)]);
        let mut builder = <Pg as diesel::backend::Backend>::QueryBuilder::default();
        assert!(extra.to_sql(&mut builder, &Pg).is_err());
        sql!(Bare, Bool, "SELECT $ = $1");
        let bare: Statement<'_, Bare> = Statement::new(vec![Bind::Int(1)]);
        let mut builder = <Pg as diesel::backend::Backend>::QueryBuilder::default();
        assert!(bare.to_sql(&mut builder, &Pg).is_err());
        let fine: Statement<'_, One> = Statement::new(vec![Bind::Int(1)]);
        let mut builder = <Pg as diesel::backend::Backend>::QueryBuilder::default();
        assert!(fine.to_sql(&mut builder, &Pg).is_ok());
    }
}
