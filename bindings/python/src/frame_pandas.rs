//! pandas text held as Python objects (pandas 2's `object` columns, and
//! `category` columns of text) read straight into dictionary columns,
//! without building an Arrow string array: each cell's object is looked up
//! by its address in a small per-column cache (pandas' CSV reader hands the
//! same string object to every cell of the same value), and a string is
//! decoded, trimmed and matched to its distinct value only the first time
//! its object is met; a `category` column maps its categories once.
//!
//! A column holding other objects (numbers, dates, booleans) is read as
//! pandas' export reads it (`leadscore._frames.object_column`), so every
//! frame gives the table the Arrow path gives.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use arrow_array::{ArrayRef, StringArray};
use leadscore::Values;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyString};

/// One column read from its objects: a dictionary column, or (objects
/// other than text) the Arrow array pandas' export gives.
pub enum NativeColumn {
    /// Text cells, one code per row into the distinct values.
    Values(Values),
    /// The column as pandas' export reads it.
    Arrow(ArrayRef),
}

/// A hasher for object addresses: one multiply and a fold (addresses are
/// distinct and aligned, so nothing slower is needed).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_usize(&mut self, n: usize) {
        let h = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

/// The distinct values of a column being read, and each one's code.
#[derive(Default)]
struct Distinct {
    values: Vec<String>,
    index: HashMap<String, u32>,
}

impl Distinct {
    /// The code of `text` trimmed (as CSV fields are); `None` when empty.
    fn code(&mut self, text: &str) -> Option<u32> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        if let Some(&c) = self.index.get(t) {
            return Some(c);
        }
        let c = self.values.len() as u32;
        self.values.push(t.to_string());
        self.index.insert(t.to_string(), c);
        Some(c)
    }
}

/// What one cell's object is: missing (`None`, NaN, `pd.NA`, `pd.NaT`),
/// text (its code), or another object (`Err`).
fn cell_code(cell: &Bound<'_, PyAny>, distinct: &mut Distinct) -> Result<Option<u32>, ()> {
    if cell.is_none() {
        return Ok(None);
    }
    if let Ok(s) = cell.cast::<PyString>() {
        return match s.to_str() {
            Ok(text) => Ok(distinct.code(text)),
            Err(_) => Err(()), // not valid UTF-8 (lone surrogates)
        };
    }
    if let Ok(x) = cell.cast::<PyFloat>() {
        return if x.value().is_nan() {
            Ok(None)
        } else {
            Err(())
        };
    }
    let name = cell.get_type().name().map_err(|_| ())?;
    match name.to_str() {
        Ok("NAType" | "NaTType") => Ok(None),
        _ => Err(()),
    }
}

/// Slots of the direct-mapped cache in front of an object column's
/// address map (a power of two): a column's few distinct objects each get
/// a slot of their own, so most cells cost one compare.
const DIRECT_SLOTS: usize = 1024;

/// Reads one `object` column from its numpy array of objects, with the
/// GIL held throughout (an array not in one piece, or a column of many
/// distinct objects).
fn object_column(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<NativeColumn> {
    let array: numpy::PyReadonlyArray1<'_, Py<PyAny>> = data.extract()?;
    let view = array.as_array();
    let read = read_objects(view.iter(), view.len(), usize::MAX, |cell, distinct| {
        cell_code(cell.bind(py), distinct)
    });
    match read {
        Ok((values, codes)) => Ok(NativeColumn::Values(Values::Dictionary { values, codes })),
        Err(_) => fallback(py, data),
    }
}

/// Reads `n` cells: each cell's object looked up by its address (in a
/// direct-mapped cache, then a map), an object read by `first_read` only
/// the first time it is met; stops after `limit` distinct objects.
fn read_objects<'a>(
    cells: impl Iterator<Item = &'a Py<PyAny>>,
    n: usize,
    limit: usize,
    mut first_read: impl FnMut(&Py<PyAny>, &mut Distinct) -> Result<Option<u32>, ()>,
) -> CellsRead {
    let mut codes: Vec<Option<u32>> = Vec::with_capacity(n);
    let mut by_address: HashMap<usize, Option<u32>, BuildHasherDefault<AddressHasher>> =
        HashMap::default();
    let mut direct: Vec<(usize, Option<u32>)> = vec![(0, None); DIRECT_SLOTS];
    let mut distinct = Distinct::default();
    for cell in cells {
        let address = cell.as_ptr() as usize;
        let slot = ((address >> 4) ^ (address >> 14)) & (DIRECT_SLOTS - 1);
        let (cached, code) = direct[slot];
        if cached == address {
            codes.push(code);
            continue;
        }
        let code = match by_address.get(&address) {
            Some(&c) => c,
            None => {
                if by_address.len() >= limit {
                    return Err(Unfinished::Many);
                }
                let c = first_read(cell, &mut distinct).map_err(|()| Unfinished::Other)?;
                by_address.insert(address, c);
                c
            }
        };
        direct[slot] = (address, code);
        codes.push(code);
    }
    Ok((distinct.values, codes))
}

/// A column of other objects, read by `leadscore._frames.object_column`.
fn fallback(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<NativeColumn> {
    let read = py
        .import("leadscore._frames")?
        .call_method1("object_column", (data,))?;
    if let Ok(list) = read.cast::<pyo3::types::PyList>() {
        let texts: Vec<Option<String>> = list.extract()?;
        let array: ArrayRef = Arc::new(StringArray::from(texts));
        return Ok(NativeColumn::Arrow(array));
    }
    let array = read.extract::<pyo3_arrow::PyArray>()?;
    let (array, _field) = array.into_inner();
    Ok(NativeColumn::Arrow(array))
}

/// Reads one `category` column from its codes (-1 missing) and its text
/// categories, each category trimmed and matched once.
fn category_column(data: &Bound<'_, PyAny>) -> PyResult<NativeColumn> {
    let (codes, categories): (numpy::PyReadonlyArray1<'_, i64>, Vec<String>) = data.extract()?;
    let mut distinct = Distinct::default();
    let local: Vec<Option<u32>> = categories.iter().map(|c| distinct.code(c)).collect();
    let codes = codes
        .as_array()
        .iter()
        .map(|&k| {
            usize::try_from(k)
                .ok()
                .and_then(|k| local.get(k).copied().flatten())
        })
        .collect();
    Ok(NativeColumn::Values(Values::Dictionary {
        values: distinct.values,
        codes,
    }))
}

/// Distinct objects a column read in parallel may meet before it is read
/// again with the GIL held throughout (each one met takes the GIL).
const PARALLEL_MISSES: usize = 4096;

/// Why a column read in parallel was not finished.
enum Unfinished {
    /// It holds objects other than text (read by pandas' rules).
    Other,
    /// It holds many distinct objects (read again with the GIL held).
    Many,
}

/// A column read in parallel: its distinct values and each cell's code.
type CellsRead = Result<(Vec<String>, Vec<Option<u32>>), Unfinished>;

/// Reads the cells of one contiguous `object` column without the GIL but
/// for the objects met the first time (each read with the GIL).
fn read_cells(cells: &[Py<PyAny>]) -> CellsRead {
    read_objects(
        cells.iter(),
        cells.len(),
        PARALLEL_MISSES,
        |cell, distinct| Python::attach(|py| cell_code(cell.bind(py), distinct)),
    )
}

/// Reads the columns `leadscore._frames` marked for the native module,
/// each `(name, kind, data)`: `object` (a numpy object array) or `category`
/// (codes and categories). Contiguous object columns are read in parallel,
/// without the GIL but for each distinct object's first read.
pub fn read_native(
    py: Python<'_>,
    items: &[(String, String, Bound<'_, PyAny>)],
) -> PyResult<Vec<(String, NativeColumn)>> {
    let mut out: Vec<Option<NativeColumn>> = Vec::with_capacity(items.len());
    let mut arrays = Vec::new();
    for (i, (_, kind, data)) in items.iter().enumerate() {
        if kind == "category" {
            out.push(Some(category_column(data)?));
            continue;
        }
        let array: numpy::PyReadonlyArray1<'_, Py<PyAny>> = data.extract()?;
        out.push(None);
        arrays.push((i, array));
    }
    let slices: Vec<(usize, &[Py<PyAny>])> = arrays
        .iter()
        .filter_map(|(i, a)| a.as_slice().ok().map(|cells| (*i, cells)))
        .collect();
    let read: Vec<(usize, CellsRead)> = py.detach(|| {
        use rayon::prelude::*;
        slices
            .par_iter()
            .map(|(i, cells)| (*i, read_cells(cells)))
            .collect()
    });
    for (i, r) in read {
        out[i] = Some(match r {
            Ok((values, codes)) => NativeColumn::Values(Values::Dictionary { values, codes }),
            Err(Unfinished::Other) => fallback(py, &items[i].2)?,
            Err(Unfinished::Many) => object_column(py, &items[i].2)?,
        });
    }
    // Strided arrays, and what was not read above.
    for (i, _) in &arrays {
        if out[*i].is_none() {
            out[*i] = Some(object_column(py, &items[*i].2)?);
        }
    }
    Ok(items
        .iter()
        .zip(out)
        .map(|((name, _, _), c)| (name.clone(), c.expect("every column read")))
        .collect())
}
