// The bounding box and grid cells that bound the candidates scan: they must
// never leave out anyone within the distance.
import { expect } from 'chai';
import { distanceKm } from '../../shared/public-profile.js';
import { boundingBox } from '../../api/discovery/service.js';
import { gridCells } from '../../api/discovery/repo.js';

const cellOf = (lat: number, lon: number) => Math.floor(lat) * 1000 + Math.floor(lon);

describe('discovery geometry: bounding box and grid cells', () => {
  it('contains every point within the distance, in every direction', () => {
    for (const [lat, lon, km] of [
      [52.52, 13.405, 50],
      [-33.9, 151.2, 150],
      [0.1, -0.1, 10],
      [64.1, -21.9, 500],
      [51.99, 12.99, 25],
    ]) {
      const box = boundingBox(lat, lon, km);
      const cells = gridCells(box);
      for (let bearing = 0; bearing < 360; bearing += 7.5) {
        // A point at (almost) exactly `km` along the bearing, on the sphere.
        const d = (km * 0.999) / 6371;
        const b = (bearing * Math.PI) / 180;
        const φ1 = (lat * Math.PI) / 180;
        const λ1 = (lon * Math.PI) / 180;
        const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(b));
        const λ2 = λ1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
        const p = { lat: (φ2 * 180) / Math.PI, lon: (λ2 * 180) / Math.PI };
        expect(distanceKm({ lat, lon }, p)).to.be.below(km);
        expect(p.lat, `lat at bearing ${bearing}`).to.be.within(box.latMin, box.latMax);
        expect(p.lon, `lon at bearing ${bearing}`).to.be.within(box.lonMin, box.lonMax);
        if (cells) expect(cells, `cell at bearing ${bearing}`).to.include(cellOf(p.lat, p.lon));
      }
    }
  });

  it('spans every longitude near a pole or across the antimeridian, and then lists no cells', () => {
    expect(boundingBox(89.5, 10, 100)).to.include({ lonMin: -180, lonMax: 180 });
    expect(boundingBox(-10, 179.9, 50)).to.include({ lonMin: -180, lonMax: 180 });
    expect(gridCells(boundingBox(89.5, 10, 100))).to.equal(null);
  });

  it('lists the few cells a city-sized box touches', () => {
    expect(gridCells(boundingBox(52.52, 13.405, 20))).to.deep.equal([52013]);
    expect(gridCells({ latMin: -0.5, latMax: 0.5, lonMin: -0.5, lonMax: 0.5 })).to.have.members([-1001, -1000, -1, 0]);
  });
});
